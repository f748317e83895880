//! Lesson 00, the tour: what it does with the stops of the broker lessons,
//! which need a real Redis or RabbitMQ server.
//!
//! Such a stop runs when the tour can have its servers: each one's URL
//! variable (`REDIS_URL`, `AMQP_URL`) is set, or its binary is on `PATH`,
//! in which case the stop starts a private server
//! (`shared::services::RedisServer::connect_or_start` and its RabbitMQ
//! twin). Otherwise the tour prints one line saying how to include it and
//! goes on, so that it still finishes, in under a minute, on a machine
//! without the servers.

use shared::services::{self, Binary};

/// What the tour does with one stop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Every server it needs can be had: run it.
    Run,
    /// Skip it, printing this line.
    Skip(String),
}

/// The decision for `lesson`, which needs `brokers`, given which of them
/// `can_have` ([`on_this_machine`] in the tour).
pub fn decide(
    lesson: &str,
    brokers: &[Binary],
    can_have: impl Fn(Binary) -> bool,
) -> Decision {
    let missing: Vec<Binary> =
        brokers.iter().copied().filter(|b| !can_have(*b)).collect();
    if missing.is_empty() {
        return Decision::Run;
    }
    let names = missing.iter().map(|b| server(*b)).collect::<Vec<_>>();
    let variables =
        missing.iter().map(|b| b.url_variable()).collect::<Vec<_>>();
    Decision::Skip(format!(
        "{lesson:<20} skipped: needs {}; run `cargo xtask services install` \
         (or set {} to a running server) to include it",
        names.join(" and "),
        variables.join(" and ")
    ))
}

/// The servers the stop of lesson `number` needs (none for most).
pub fn needed_by(number: u32) -> &'static [Binary] {
    match number {
        9 => &[Binary::RedisServer],
        10 | 12 => &[Binary::RabbitmqServer],
        _ => &[],
    }
}

/// Whether this machine can give the tour `broker`: its URL variable is
/// set, or its server binary is on `PATH`.
pub fn on_this_machine(broker: Binary) -> bool {
    std::env::var_os(broker.url_variable()).is_some_and(|url| !url.is_empty())
        || services::find(broker).is_some()
}

/// The server's name, as a learner knows it.
fn server(broker: Binary) -> &'static str {
    match broker {
        Binary::RedisServer => "Redis",
        Binary::RabbitmqServer => "RabbitMQ",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: [Binary; 2] = [Binary::RedisServer, Binary::RabbitmqServer];

    #[test]
    fn a_stop_whose_servers_can_be_had_runs() {
        assert_eq!(decide("lesson-12-rpc", &BOTH, |_| true), Decision::Run);
        // A stop that needs no broker always runs.
        assert_eq!(decide("lesson-01-yield", &[], |_| false), Decision::Run);
    }

    #[test]
    fn a_skipped_stop_is_one_line_saying_how_to_include_it() {
        let only_redis = |b: Binary| b == Binary::RedisServer;
        assert_eq!(
            decide("lesson-12-rpc", &BOTH, only_redis),
            Decision::Skip(
                "lesson-12-rpc        skipped: needs RabbitMQ; run `cargo \
                 xtask services install` (or set AMQP_URL to a running \
                 server) to include it"
                    .into()
            )
        );
        let Decision::Skip(line) = decide("lesson-12-rpc", &BOTH, |_| false)
        else {
            panic!("nothing can be had: skip");
        };
        assert!(line.contains("needs Redis and RabbitMQ"), "{line}");
        assert!(line.contains("REDIS_URL and AMQP_URL"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn the_broker_lessons_name_their_servers() {
        assert_eq!(needed_by(9), [Binary::RedisServer]);
        assert_eq!(needed_by(10), [Binary::RabbitmqServer]);
        assert_eq!(needed_by(12), [Binary::RabbitmqServer]);
        assert!(needed_by(1).is_empty());
    }

    #[test]
    #[ignore = "needs Redis and RabbitMQ: cargo xtask test runs it"]
    fn under_cargo_xtask_test_both_servers_can_be_had() {
        assert!(BOTH.into_iter().all(on_this_machine));
    }
}
