//! What a client's rows add up to: recruiting figures, the dashboard's recent activity,
//! the health score, and the daily analytics snapshot. Everything here is computed for
//! many clients at once, in a fixed number of statements.

pub mod analytics;
pub mod dashboard;
pub mod figures;
pub mod health;
