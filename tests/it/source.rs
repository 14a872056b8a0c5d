//! Reading Rust source for the house-rule tests (`tidy`, `modules`): the code without
//! comments, strings and character literals, and which of its lines are test code. One
//! reading, so both tests agree on what counts as a use and what counts as a test.

/// Which lines of a file are test code: all of a test file (`tests.rs`, `*_tests.rs`, a
/// `tests/` folder), else the item after each `#[cfg(test)]` up to its closing brace.
pub fn test_lines(name: &str, code: &str) -> Vec<bool> {
    let n_lines = code.lines().count();
    let test_file = name.ends_with("/tests.rs") || name.ends_with("_tests.rs") || name.contains("/tests/");
    if test_file {
        return vec![true; n_lines];
    }
    let mut in_test = vec![false; n_lines];
    // Depth of braces inside the test item; `None` outside one.
    let mut depth: Option<usize> = None;
    let mut opened = false;
    for (index, line) in code.lines().enumerate() {
        if depth.is_none() && line.trim_start().starts_with("#[cfg(test)]") {
            depth = Some(0);
            opened = false;
        }
        let Some(mut level) = depth else { continue };
        in_test[index] = true;
        for c in line.chars() {
            match c {
                '{' => {
                    level += 1;
                    opened = true;
                }
                '}' => level = level.saturating_sub(1),
                ';' if !opened && level == 0 => opened = true,
                _ => {}
            }
        }
        depth = if opened && level == 0 { None } else { Some(level) };
    }
    in_test
}

/// The source with comments, strings and character literals blanked out (line breaks kept),
/// so that a crate named in prose or in a fixture is not taken for a use of it.
pub fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == '"' || (c == 'r' && matches!(next, Some('"' | '#')) && raw_string_at(&chars, i)) {
            // A (raw) string: `r#"...", "#` closes it; a plain one ends at an unescaped quote.
            let mut hashes = 0;
            if c == 'r' {
                i += 1;
                while chars[i] == '#' {
                    hashes += 1;
                    i += 1;
                }
            }
            i += 1;
            out.push('"');
            while i < chars.len() {
                if c == '"' && chars[i] == '\\' {
                    out.push(' ');
                    out.push(chars.get(i + 1).map_or(' ', |&e| blank(e)));
                    i += 2;
                    continue;
                }
                if chars[i] == '"'
                    && chars[i + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes
                {
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
            out.push('"');
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal (a lifetime has no closing quote two places on).
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether a raw string (`r"`, `r#"`, `br"`) starts at `i`, rather than an identifier ending in `r`.
fn raw_string_at(chars: &[char], i: usize) -> bool {
    let is_ident = |at: usize| chars[at].is_alphanumeric() || chars[at] == '_';
    let standalone = i == 0 || !is_ident(i - 1) || (chars[i - 1] == 'b' && (i == 1 || !is_ident(i - 2)));
    let mut j = i + 1;
    while chars.get(j) == Some(&'#') {
        j += 1;
    }
    standalone && chars.get(j) == Some(&'"')
}
