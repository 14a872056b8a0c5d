//! A small `multipart/form-data` reader, enough for what Bot API clients send: text parts for
//! parameters and file parts (with a `filename`) for uploads referenced as `attach://<name>`.
//! Written here rather than pulled in because the fake needs names and bytes, nothing streaming.

/// One part of a multipart body.
pub(crate) struct Part {
    pub name: String,
    /// Present for uploaded files (possibly empty, as teloxide sends for in-memory files).
    pub file_name: Option<String>,
    pub data: Vec<u8>,
}

/// Splits a multipart body; `content_type` is the request's header (it carries the boundary).
pub(crate) fn parse(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = header_parameter(content_type, "boundary").ok_or("multipart body without boundary")?;
    let delimiter = format!("--{boundary}");
    let mut position = find(body, delimiter.as_bytes(), 0).ok_or("multipart body without its boundary")?;
    let mut parts = Vec::new();
    loop {
        position += delimiter.len();
        if body[position..].starts_with(b"--") {
            return Ok(parts);
        }
        position += if body[position..].starts_with(b"\r\n") { 2 } else { 0 };
        let headers_end = find(body, b"\r\n\r\n", position).ok_or("multipart part without a header end")?;
        let headers = String::from_utf8_lossy(&body[position..headers_end]);
        let data_start = headers_end + 4;
        let next = find(body, format!("\r\n{delimiter}").as_bytes(), data_start)
            .ok_or("unterminated multipart part")?;
        let disposition = headers
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim().eq_ignore_ascii_case("content-disposition").then(|| value.to_owned())
            })
            .ok_or("multipart part without content-disposition")?;
        let name = header_parameter(&disposition, "name").ok_or("multipart part without a name")?;
        let file_name = header_parameter(&disposition, "filename");
        parts.push(Part { name, file_name, data: body[data_start..next].to_vec() });
        position = next + 2;
    }
}

/// `key=value` or `key="value"` from a header like `form-data; name="photo"; filename="a.jpg"`.
fn header_parameter(header: &str, key: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        (name.trim().eq_ignore_ascii_case(key)).then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|window| window == needle).map(|at| at + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_and_file_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--XyZ\r\n\
Content-Disposition: form-data; name=\"f1\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\
\x00\x01bin\r\n--XyZ--\r\n";
        let parts = parse("multipart/form-data; boundary=XyZ", body).expect("well-formed body");
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].file_name.as_deref(), &parts[0].data[..]),
            ("chat_id", None, &b"42"[..])
        );
        assert_eq!(
            (parts[1].name.as_str(), parts[1].file_name.as_deref(), &parts[1].data[..]),
            ("f1", Some(""), &b"\x00\x01bin"[..])
        );
    }

    #[test]
    fn refuses_a_body_without_boundary() {
        assert!(parse("multipart/form-data", b"").is_err());
    }
}
