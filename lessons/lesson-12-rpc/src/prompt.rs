//! Lesson 12: the seed's prompt, `>>:`, and what it understands.
//!
//! ```text
//! >>:run "df -h" --hosts 192.168.3.55 10.4.3.4
//! task id: 45334
//! >>: check_task 45334
//! ```
//!
//! A line is split into words as a shell would split it for quoting
//! (`"df -h"` is one word), and nothing more: no variables, no globs.
//! Every line the console cannot use gets one line of help and the prompt
//! again; only `exit` (or the end of input) ends it. Replies are filed by
//! the console's background collectors while the prompt waits for a line,
//! so `check_task` shows whatever has arrived by the time it is typed.

use shared::Transcript;
use tokio::sync::mpsc;

use crate::console::Console;
use crate::task::{TaskId, now_ms};

/// The prompt, as the seed prints it.
pub const PROMPT: &str = ">>:";

/// The commands, in one line: printed after every line the console cannot
/// use.
pub const USAGE: &str = "commands: run \"CMD ARGS\" --hosts HOST..., \
    check_task ID, tasks, exit";

/// One line of input, understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// `run "CMD ARGS" --hosts A B`.
    Run {
        /// The command line, as one string.
        command: String,
        /// The hosts, each once, in the order given.
        hosts: Vec<String>,
    },
    /// `check_task N`.
    Check(TaskId),
    /// `tasks`.
    Tasks,
    /// `help`.
    Help,
    /// `exit` (or `quit`).
    Exit,
    /// An empty line.
    Nothing,
}

// ANCHOR: parse
/// Understands `line`, or says in one line what is wrong with it.
pub fn parse(line: &str) -> Result<Input, String> {
    let words = split(line)?;
    let Some((verb, rest)) = words.split_first() else {
        return Ok(Input::Nothing);
    };
    match (verb.as_str(), rest) {
        ("run", rest) => {
            let Some(at) = rest.iter().position(|w| w == "--hosts") else {
                return Err(format!("`run` needs --hosts HOST...; {USAGE}"));
            };
            let command = rest[..at].join(" ");
            if command.trim().is_empty() {
                return Err(format!("`run` needs a command; {USAGE}"));
            }
            let mut hosts: Vec<String> = Vec::new();
            for host in &rest[at + 1..] {
                if !hosts.contains(host) {
                    hosts.push(host.clone());
                }
            }
            if hosts.is_empty() {
                return Err(format!(
                    "--hosts needs at least one host; {USAGE}"
                ));
            }
            Ok(Input::Run { command, hosts })
        }
        ("check_task", [id]) => id
            .parse()
            .map(Input::Check)
            .map_err(|_| format!("`{id}` is not a task id; {USAGE}")),
        ("check_task", _) => {
            Err(format!("`check_task` takes one task id; {USAGE}"))
        }
        ("tasks", []) => Ok(Input::Tasks),
        ("help", _) => Ok(Input::Help),
        ("exit" | "quit", []) => Ok(Input::Exit),
        (other, _) => Err(format!("unknown command `{other}`; {USAGE}")),
    }
}
// ANCHOR_END: parse

/// Splits `line` into words, honouring '…' and "…" quotes; an unclosed
/// quote is an error.
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let (mut words, mut word, mut in_word) = (Vec::new(), String::new(), false);
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if let Some(q) = quote {
        return Err(format!("unbalanced {q} quote; {USAGE}"));
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// Does what `line` asks of `console` and prints the answer; returns
/// whether to go on. Only the broker going away is an error.
pub async fn answer(
    console: &mut Console,
    line: &str,
    out: &Transcript,
    lane: &shared::Lane,
) -> shared::Result<bool> {
    match parse(line) {
        Err(help) => out.say(lane, help),
        Ok(Input::Nothing) => {}
        Ok(Input::Help) => out.say(lane, USAGE),
        Ok(Input::Exit) => return Ok(false),
        Ok(Input::Run { command, hosts }) => {
            let id = console.run(&command, &hosts).await?;
            out.say(lane, format!("task id: {id}"));
        }
        Ok(Input::Check(id)) => match console.task(id) {
            Some(task) => {
                for line in task.check_lines(now_ms()) {
                    out.say(lane, line);
                }
            }
            None => out.say(
                lane,
                format!("no task {id} in this console (`tasks` lists them)"),
            ),
        },
        Ok(Input::Tasks) => {
            let tasks = console.tasks();
            if tasks.is_empty() {
                out.say(lane, "no tasks yet");
            }
            for task in tasks {
                out.say(lane, task.summary(now_ms()));
            }
        }
    }
    Ok(true)
}

/// The interactive loop: the prompt, a line, its answer, until `exit` or
/// the end of `lines`. With `echo` (input that is not a terminal), each
/// line is printed after the prompt, so the output reads as a session.
pub async fn interact(
    console: &mut Console,
    mut lines: mpsc::Receiver<String>,
    echo: bool,
    out: &Transcript,
    lane: &shared::Lane,
) -> shared::Result<()> {
    loop {
        if !echo {
            shared::out::text(&format!("{PROMPT} "))?;
        }
        let Some(line) = lines.recv().await else {
            return Ok(());
        };
        if echo {
            out.say(lane, format!("{PROMPT} {line}").trim_end());
        }
        if !answer(console, &line, out, lane).await? {
            return Ok(());
        }
    }
}

/// Stdin's lines, read on a thread of their own so that the runtime
/// (and the collectors on it) never waits for the keyboard.
pub fn stdin_lines() -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if send.blocking_send(line).is_err() {
                break;
            }
        }
    });
    receive
}
