//! The default run, `fanout` and `measure`, end to end.

use crate::common::{broker, prefix, run, stdout_of};

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn the_default_run_is_the_seeds_session_with_a_timeout_and_a_missing_host() {
    let server = broker();
    let prefix = prefix("walk");
    let stdout = stdout_of(&run(server.url(), &["--prefix", &prefix]));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[1], r#">>: run "df -h" --hosts h1 h2"#);
    assert!(lines[2].starts_with("task id: "), "{stdout}");
    // The first check comes before any agent could answer.
    assert_eq!(&lines[5..7], ["h1: pending", "h2: pending"], "{stdout}");
    assert!(stdout.contains("\nh1: exit 0 after "), "{stdout}");
    assert!(stdout.contains("\nh2: exit 0 after "), "{stdout}");
    assert!(stdout.contains("    Filesystem"), "{stdout}");
    assert!(stdout.contains("\nh3: timed out after 1 s, killed\n"));
    assert!(stdout.contains("\nh4: no answer after 5 s\n"), "{stdout}");
    assert!(stdout.ends_with(": `hostname` on h4: 0 answered, 1 no answer\n"));
    assert_eq!(elided(&stdout), include_str!("../../output/walk.txt"));
}

/// The default run's output with what changes from run to run elided:
/// task ids become `N1`, `N2`…, times in ms `T`, and each host's `df -h`
/// lines one `…`.
fn elided(stdout: &str) -> String {
    let mut ids: Vec<String> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for line in stdout.lines() {
        // What `df -h` printed, on stdout ("    ") or stderr ("  ! ").
        if line.starts_with("    ") || line.starts_with("  ! ") {
            if lines.last().is_none_or(|l| l != "    …") {
                lines.push("    …".to_owned());
            }
            continue;
        }
        let mut line = line.to_owned();
        if let Some(id) = line.strip_prefix("task id: ") {
            ids.push(id.to_owned());
        }
        for (n, id) in ids.iter().enumerate() {
            line = line.replace(id.as_str(), &format!("N{}", n + 1));
        }
        if let Some(at) = line.find(" after ") {
            let rest = &line[at + 7..];
            if let Some(ms) = rest.strip_suffix(" ms")
                && ms.parse::<u64>().is_ok()
            {
                line = format!("{} after T ms", &line[..at]);
            }
        }
        lines.push(line);
    }
    lines.join("\n") + "\n"
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn fanout_draws_three_agents_running_one_task() {
    let server = broker();
    let prefix = prefix("fanout");
    let svg = std::env::temp_dir()
        .join(format!("lesson12-fanout-{}.svg", std::process::id()));
    let output = run(
        server.url(),
        &[
            "--prefix",
            &prefix,
            "fanout",
            "--svg",
            svg.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stderr.trim(), format!("wrote {}", svg.display()));
    let stdout = String::from_utf8(output.stdout).unwrap();
    for host in ["h1", "h2", "h3"] {
        assert!(stdout.contains(&format!("\n{host}: exit 0 after ")));
    }
    let picture = std::fs::read_to_string(&svg).unwrap();
    std::fs::remove_file(&svg).unwrap();
    for lane in ["console", "h1", "h2", "h3", "sleep 0.2"] {
        assert!(picture.contains(lane), "{lane}");
    }
}

#[test]
#[ignore = "needs RabbitMQ: cargo xtask test runs it"]
fn measure_prints_every_figure() {
    let server = broker();
    let prefix = prefix("measure");
    let stdout = stdout_of(&run(
        server.url(),
        &["--prefix", &prefix, "measure", "--tasks", "8"],
    ));
    let figures: Vec<shared::Figure> =
        stdout.lines().map(|l| l.parse().unwrap()).collect();
    let names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "task_round_trip_ms",
            "tasks_per_sec_1",
            "tasks_per_sec_2",
            "tasks_per_sec_4"
        ]
    );
    assert!(figures.iter().all(|f| f.value > 0.0));
}
