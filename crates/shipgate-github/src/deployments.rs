//! GitHub Deployments: create deployments and statuses, read an environment's history.
//! (Placeholder until the deployment-records work.)
