//! GitHub-style boundaries: a secret needs a non-alphanumeric character or the start/end of
//! input on each side; one delimiter serves two adjacent secrets.

use crate::util::{scaleway_key, scw_access_key, Found, TestDir};

fn scan_text(text: &str) -> Vec<Found> {
    let t = TestDir::new();
    t.write("f.txt", text);
    t.run(&["scan", ".", "--format", "json"]).findings()
}

#[test]
fn adjacent_secrets_sharing_one_delimiter_are_both_found() {
    let (a, b, c) = (scw_access_key(1), scw_access_key(2), scw_access_key(3));
    let found = scan_text(&format!("{a},{b};{c}"));
    let columns: Vec<u64> = found.iter().map(|f| f.column).collect();
    assert_eq!(columns, vec![1, 22, 43]);
}

#[test]
fn a_secret_inside_a_longer_alphanumeric_run_is_not_found() {
    let a = scw_access_key(4);
    for text in [
        format!("x{a}"),
        format!("{a}9"),
        format!("0{a}Z"),
        format!("{a}{a}"),
    ] {
        assert_eq!(scan_text(&text), vec![], "{text}");
    }
}

#[test]
fn start_and_end_of_input_are_boundaries() {
    let a = scw_access_key(5);
    assert_eq!(scan_text(&a).len(), 1);
    assert_eq!(
        scan_text(&format!("\n\n{a}")),
        [scaleway_key("f.txt", 3, 1, &a)]
    );
}

#[test]
fn any_non_alphanumeric_byte_is_a_delimiter() {
    let a = scw_access_key(6);
    for delim in [
        "\"", "'", "=", ":", " ", "\t", "(", "_", "-", "/", "é", "\u{0}",
    ] {
        let found = scan_text(&format!("k{delim}{a}{delim}"));
        assert_eq!(found.len(), 1, "delimiter {delim:?}");
    }
}

#[test]
fn crlf_and_lf_give_the_same_lines_and_columns() {
    let (a, b) = (scw_access_key(7), scw_access_key(8));
    let lf = scan_text(&format!("one\nkey = {a}\n\n  {b}\n"));
    let crlf = scan_text(&format!("one\r\nkey = {a}\r\n\r\n  {b}\r\n"));
    assert_eq!(
        lf,
        [
            scaleway_key("f.txt", 2, 7, &a),
            scaleway_key("f.txt", 4, 3, &b)
        ]
    );
    assert_eq!(crlf, lf);
}
