//! Listing open pull requests over REST: the fallback when the GraphQL read fails, so that an
//! `error` can still replace an earlier verdict on every release candidate (a sweep must never
//! leave an old pass green because it could not read).

use serde::Deserialize;
use shipgate_core::facts::Repository;

use crate::client::Client;
use crate::error::Error;

/// The most pages listed (10 000 pull requests) before giving up.
const MAX_PAGES: usize = 100;

/// An open pull request, as far as publishing an error needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPull {
    /// Its number.
    pub number: u64,
    /// Its head commit.
    pub head_sha: String,
    /// Its head branch.
    pub head_branch: String,
    /// Its title.
    pub title: String,
}

#[derive(Debug, Deserialize)]
struct RawPull {
    number: u64,
    #[serde(default)]
    title: String,
    head: RawHead,
}

#[derive(Debug, Deserialize)]
struct RawHead {
    sha: String,
    #[serde(rename = "ref", default)]
    branch: String,
}

/// The open pull requests into `base`, oldest first (`GET /repos/{o}/{r}/pulls`, 100 a page).
pub async fn list_open(
    client: &Client,
    repository: &Repository,
    base: &str,
) -> Result<Vec<OpenPull>, Error> {
    let mut path = Some(format!(
        "/repos/{}/{}/pulls?state=open&base={}&sort=created&direction=asc&per_page=100",
        repository.owner,
        repository.name,
        shipgate_core::escape::url_component(base)
    ));
    let mut pulls = Vec::new();
    let mut pages = 0;
    while let Some(next) = path {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(Error::Config(format!(
                "more than {} open pull requests into `{base}`",
                MAX_PAGES * 100
            )));
        }
        let (page, link): (Vec<RawPull>, Option<String>) = client.get_page(&next).await?;
        pulls.extend(page.into_iter().map(|p| OpenPull {
            number: p.number,
            head_sha: p.head.sha,
            head_branch: p.head.branch,
            title: p.title,
        }));
        path = link;
    }
    Ok(pulls)
}
