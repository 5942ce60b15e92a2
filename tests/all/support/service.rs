//! A real local HTTP service that goes down and comes back: a health endpoint for `verify` and
//! `watch` (with the headers of the security checklist on two paths), and a webhook (rollback
//! or notification) that records what it was sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// Answers 200 (`/health`: a JSON status; `/`: an HTML page, the frontend; `/redirect`: 302 to
/// `/health`; `/slow`: after 3 s;
/// `/secure`: a rate limit announced and CORS for one fixed origin; `/open-cors`: the request's
/// `Origin` echoed with credentials allowed, and no rate limit). POSTs are answered 200.
pub const UP: u8 = 0;
/// Answers 503, POSTs included.
pub const FAILING: u8 = 1;
/// Not listening at all: connections are refused.
pub const REFUSING: u8 = 2;

/// A tiny HTTP/1.1 server on a thread, whose state the test toggles.
pub struct Service {
    port: u16,
    /// The state, which a rollback hook may change.
    pub state: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
    /// Bodies of POST requests received.
    pub posts: Arc<Mutex<Vec<String>>>,
    /// Paths of GET requests received, in order.
    pub gets: Arc<Mutex<Vec<String>>>,
}

impl Service {
    /// Starts a service; `on_post` is set to [`UP`] when a POST arrives (a rollback hook that
    /// brings the other service back).
    pub fn start(initial: u8, on_post: Option<Arc<AtomicU8>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(AtomicU8::new(initial));
        let stop = Arc::new(AtomicBool::new(false));
        let posts = Arc::new(Mutex::new(Vec::new()));
        let gets = Arc::new(Mutex::new(Vec::new()));
        let (s, st, p, g) = (state.clone(), stop.clone(), posts.clone(), gets.clone());
        thread::spawn(move || {
            let mut listener = Some(listener);
            while !st.load(Ordering::SeqCst) {
                if s.load(Ordering::SeqCst) == REFUSING {
                    listener = None; // closed: connections are refused
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
                if listener.is_none() {
                    match TcpListener::bind(("127.0.0.1", port)) {
                        Ok(l) => listener = Some(l),
                        Err(_) => {
                            thread::sleep(Duration::from_millis(10));
                            continue;
                        }
                    }
                }
                let l = listener.as_ref().unwrap();
                l.set_nonblocking(true).unwrap();
                match l.accept() {
                    Ok((stream, _)) => {
                        let (s, p, g, on_post) = (s.clone(), p.clone(), g.clone(), on_post.clone());
                        thread::spawn(move || serve(stream, &s, &p, &g, on_post.as_deref()));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            port,
            state,
            stop,
            posts,
            gets,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sets `state` after `delay`, from another thread.
    pub fn set_after(&self, delay: Duration, state: u8) {
        let s = self.state.clone();
        thread::spawn(move || {
            thread::sleep(delay);
            s.store(state, Ordering::SeqCst);
        });
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(
    mut stream: TcpStream,
    state: &AtomicU8,
    posts: &Mutex<Vec<String>>,
    gets: &Mutex<Vec<String>>,
    on_post: Option<&AtomicU8>,
) {
    stream.set_nonblocking(false).ok();
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    let mut origin = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if line.to_ascii_lowercase().starts_with("origin:") {
            origin = Some(line["origin:".len()..].trim().to_string());
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok();
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method == "GET" {
        gets.lock().unwrap().push(path.to_string());
    }
    let (status, extra, content) = if method == "POST" {
        posts
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(&body).into_owned());
        if state.load(Ordering::SeqCst) == FAILING {
            ("503 Service Unavailable", String::new(), String::new())
        } else {
            if let Some(target) = on_post {
                target.store(UP, Ordering::SeqCst);
            }
            ("200 OK", String::new(), "{\"accepted\":true}".to_string())
        }
    } else if state.load(Ordering::SeqCst) == FAILING {
        (
            "503 Service Unavailable",
            String::new(),
            "<html>down</html>".to_string(),
        )
    } else {
        match path.split('?').next().unwrap_or_default() {
            "/secure" => (
                "200 OK",
                "RateLimit-Policy: 100;w=60\r\nAccess-Control-Allow-Origin: https://www.example.com\r\n"
                    .to_string(),
                "{\"status\":\"ok\"}".to_string(),
            ),
            "/open-cors" => (
                "200 OK",
                format!(
                    "Access-Control-Allow-Origin: {}\r\nAccess-Control-Allow-Credentials: true\r\n",
                    origin.as_deref().unwrap_or("*")
                ),
                "{\"status\":\"ok\"}".to_string(),
            ),
            "/" => (
                "200 OK",
                "Content-Type: text/html; charset=utf-8\r\n".to_string(),
                "<!doctype html><title>Shop</title><h1>Welcome</h1>".to_string(),
            ),
            "/redirect" => (
                "302 Found",
                "Location: /health\r\n".to_string(),
                String::new(),
            ),
            "/slow" => {
                thread::sleep(Duration::from_secs(3));
                ("200 OK", String::new(), "{\"status\":\"ok\"}".to_string())
            }
            _ => (
                "200 OK",
                String::new(),
                "{\"status\":\"ok\",\"checks\":{\"db\":\"up\"}}".to_string(),
            ),
        }
    };
    let content_type = if extra.contains("Content-Type") {
        ""
    } else {
        "Content-Type: application/json\r\n"
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\n{extra}{content_type}Content-Length: {}\r\nConnection: close\r\n\r\n{content}",
        content.len()
    );
    let _ = stream.write_all(answer.as_bytes());
}
