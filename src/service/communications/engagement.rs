//! The engagement score of a contact (SPEC §6): Σ weight(type) · exp(−days_ago / 30)
//! over the contact's past communications, score = min(100, round(10 · Σ)).
//!
//! A meeting today is worth 10 points and half of that after about three weeks
//! (30 · ln 2 ≈ 20.8 days); ten meetings this week reach the cap. The score is stored on
//! the contact and recomputed whenever a communication with the contact is logged or
//! changed, so it reflects the time of the last such change.

use chrono::{DateTime, Utc};

use super::CommunicationType;

/// Decay constant, in days.
const DECAY_DAYS: f64 = 30.0;

/// Communications older than this add less than 1e-10 and are not read.
pub const HORIZON_DAYS: i64 = 730;

/// How much one communication of a kind weighs, before decay.
pub fn weight(kind: CommunicationType) -> f64 {
    match kind {
        CommunicationType::Meeting => 10.0,
        CommunicationType::Video => 8.0,
        CommunicationType::Call => 6.0,
        CommunicationType::Email => 4.0,
        CommunicationType::Chat => 2.0,
        CommunicationType::Other => 1.0,
    }
}

/// The score, 0-100, of communications `(kind, at)` as of `now`. Communications after
/// `now` (scheduled ones) do not count yet.
pub fn score(communications: &[(CommunicationType, DateTime<Utc>)], now: DateTime<Utc>) -> i32 {
    let sum: f64 = communications
        .iter()
        .filter(|(_, at)| *at <= now)
        .map(|(kind, at)| {
            let days = (now - *at).num_milliseconds() as f64 / 86_400_000.0;
            weight(*kind) * (-days / DECAY_DAYS).exp()
        })
        .sum();
    (10.0 * sum).round().min(100.0) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use CommunicationType::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
    }

    fn ago(days: i64) -> DateTime<Utc> {
        now() - Duration::days(days)
    }

    #[test]
    fn no_communication_scores_zero() {
        assert_eq!(score(&[], now()), 0);
    }

    #[test]
    fn each_kind_today_scores_ten_times_its_weight() {
        assert_eq!(score(&[(Meeting, now())], now()), 100);
        assert_eq!(score(&[(Video, now())], now()), 80);
        assert_eq!(score(&[(Call, now())], now()), 60);
        assert_eq!(score(&[(Email, now())], now()), 40);
        assert_eq!(score(&[(Chat, now())], now()), 20);
        assert_eq!(score(&[(Other, now())], now()), 10);
    }

    #[test]
    fn weight_decays_with_a_thirty_day_constant() {
        // 10 · 4 · e^(−1) = 14.715… → 15
        assert_eq!(score(&[(Email, ago(30))], now()), 15);
        // 10 · 6 · e^(−2) = 8.120… → 8
        assert_eq!(score(&[(Call, ago(60))], now()), 8);
        // 10 · 1 · e^(−90/30) = 0.497… → 0
        assert_eq!(score(&[(Other, ago(90))], now()), 0);
        // 10 · (4 · e^(−0.1) + 2 · e^(−0.5)) = 36.193 + 12.131 = 48.32… → 48
        assert_eq!(score(&[(Email, ago(3)), (Chat, ago(15))], now()), 48);
    }

    #[test]
    fn the_score_is_capped_at_one_hundred() {
        let many = vec![(Meeting, ago(1)); 5];
        assert_eq!(score(&many, now()), 100);
    }

    #[test]
    fn future_communications_do_not_count_yet() {
        assert_eq!(score(&[(Meeting, now() + Duration::days(2))], now()), 0);
    }
}
