//! Runs `check` and `test` on a rules directory: `cargo run --example check_rules -- rules`.
#![allow(clippy::print_stdout)]

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "rules".to_owned());
    let dir = std::path::Path::new(&dir);
    let mut out = std::io::stdout();
    let check = topicdesk::rules::check_command(dir, &mut out);
    let test = topicdesk::rules::test_command(dir, &mut out);
    std::process::exit(check.max(test));
}
