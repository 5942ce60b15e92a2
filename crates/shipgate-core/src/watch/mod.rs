//! Post-deploy watch: rollback-trigger rules, their grammar and streak arithmetic (issue 5).
