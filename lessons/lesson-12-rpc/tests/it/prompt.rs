//! What the prompt understands, and the one line of help for the rest.

use lesson_12_rpc::prompt::{Input, USAGE, parse, split};

#[test]
fn the_seed_line_is_understood() {
    assert_eq!(
        parse(r#"run "df -h" --hosts 192.168.3.55 10.4.3.4"#),
        Ok(Input::Run {
            command: "df -h".into(),
            hosts: vec!["192.168.3.55".into(), "10.4.3.4".into()],
        })
    );
    assert_eq!(parse(" check_task 45334"), Ok(Input::Check(45334)));
    assert_eq!(parse("tasks"), Ok(Input::Tasks));
    assert_eq!(parse("exit"), Ok(Input::Exit));
    assert_eq!(parse("   "), Ok(Input::Nothing));
}

#[test]
fn a_host_given_twice_is_sent_one_task() {
    assert_eq!(
        parse("run uptime --hosts h1 h2 h1"),
        Ok(Input::Run {
            command: "uptime".into(),
            hosts: vec!["h1".into(), "h2".into()],
        })
    );
}

#[test]
fn quotes_group_words_and_must_close() {
    assert_eq!(
        split(r#"a "b c" 'd "e"'"#).unwrap(),
        ["a", "b c", "d \"e\""]
    );
    assert_eq!(split(r#"x "" y"#).unwrap(), ["x", "", "y"]);
    assert!(split(r#"run "df -h --hosts h1"#).is_err());
}

#[test]
fn every_bad_line_gets_one_line_of_help() {
    for line in [
        "frobnicate",
        r#"run "df -h""#,
        r#"run "df -h" --hosts"#,
        "run --hosts h1",
        r#"run "df -h --hosts h1"#,
        "check_task",
        "check_task abc",
        "check_task 1 2",
        "tasks now",
    ] {
        let help = parse(line).expect_err(line);
        assert!(help.ends_with(USAGE), "{line}: {help}");
        assert_eq!(help.lines().count(), 1, "{line}: {help}");
    }
}
