//! Hostile input: the scenario loader and the curl batch parser take bytes from files anyone
//! may edit and from backends anyone may run. Whatever they get, they must not panic, must end
//! in bounded time, and must say clearly what is wrong.
//!
//! CI runs 256 cases per property (seconds); `HARNESS_FUZZ_CASES=N` runs N per property (six
//! properties: 6N executions). proptest turns a panic into a failure with the shrunk input.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::kube::ExitStatus;
use harness::scenario::parse_scenario;
use harness::traffic::{CurlBatch, Request, Sample, curl_batch, parse_curl_batch};
use proptest::prelude::*;

fn cases(default: u32) -> u32 {
    std::env::var("HARNESS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config(default: u32) -> ProptestConfig {
    ProptestConfig {
        cases: cases(default),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Per-case time bound: generous for a debug build on a busy CI machine, far below "hangs".
const BOUND: Duration = Duration::from_secs(5);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped scenario files and their texts.
fn shipped() -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut dirs = vec![root().join("scenarios")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.file_name().is_some_and(|n| n == "scenario.yaml") {
                let text = std::fs::read_to_string(&p).unwrap();
                found.push((p, text));
            }
        }
    }
    found.sort();
    assert!(!found.is_empty());
    found
}

/// Parses `text` as the scenario file `file`, within [`BOUND`]; an error must name the file
/// and say something in every diagnostic.
fn check_scenario(file: &Path, text: &str) -> Result<(), TestCaseError> {
    let t = Instant::now();
    let r = parse_scenario(file, text);
    let took = t.elapsed();
    prop_assert!(took < BOUND, "parsing took {took:?}");
    if let Err(e) = r {
        prop_assert!(!e.diagnostics().is_empty(), "an error without a diagnostic");
        for d in e.diagnostics() {
            prop_assert!(!d.message.trim().is_empty(), "an empty message: {d:?}");
        }
        let shown = e.to_string();
        prop_assert!(
            shown.contains("scenario.yaml"),
            "the file is not named: {shown}"
        );
    }
    Ok(())
}

/// Snippets an attacker or a slip of the keyboard puts into YAML values.
const HOSTILE: &[&str] = &[
    "$(touch /tmp/pwned)",
    "`id`",
    "; rm -rf / #",
    "' \" \\",
    "\n",
    "\r\n",
    "\0",
    "\t",
    "${ns.nope}",
    "${",
    "&a [1]",
    "*a",
    "<<: *a",
    "!!binary AAAA",
    "!!python/object:os.system",
    "{",
    "[",
    ": ",
    "- ",
    "? ",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "\u{feff}",
    "\u{202e}",
    "😀",
    "| \n  x",
    "> \n  y",
    "\"unterminated",
];

#[derive(Debug, Clone)]
enum Mutation {
    Insert(prop::sample::Index, usize),
    Delete(prop::sample::Index, usize),
    DuplicateLine(prop::sample::Index),
    DropLine(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 0..HOSTILE.len()).prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<prop::sample::Index>().prop_map(Mutation::DuplicateLine),
        any::<prop::sample::Index>().prop_map(Mutation::DropLine),
    ]
}

fn char_floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(text: &str, ms: &[Mutation]) -> String {
    let mut t = text.to_string();
    for m in ms {
        match m {
            Mutation::Insert(at, s) => {
                let i = char_floor(&t, at.index(t.len() + 1));
                t.insert_str(i, HOSTILE[*s]);
            }
            Mutation::Delete(at, n) if !t.is_empty() => {
                let i = char_floor(&t, at.index(t.len()));
                let j = char_floor(&t, i + n);
                t.replace_range(i..j, "");
            }
            Mutation::DuplicateLine(at) | Mutation::DropLine(at) => {
                let mut lines: Vec<&str> = t.split_inclusive('\n').collect();
                if lines.is_empty() {
                    continue;
                }
                let i = at.index(lines.len());
                if matches!(m, Mutation::DuplicateLine(_)) {
                    lines.insert(i, lines[i]);
                } else {
                    lines.remove(i);
                }
                t = lines.concat();
            }
            Mutation::Delete(..) => {}
        }
    }
    t
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn scenario_loader_survives_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let text = String::from_utf8_lossy(&bytes);
        check_scenario(Path::new("/nonexistent/fuzz/scenario.yaml"), &text)?;
    }

    #[test]
    fn scenario_loader_survives_mutated_scenarios(which in any::<prop::sample::Index>(), ms in proptest::collection::vec(mutation(), 1..8)) {
        let files = shipped();
        let (file, text) = &files[which.index(files.len())];
        // The real path: manifests resolve, so mutations reach the manifest checks too.
        check_scenario(file, &mutate(text, &ms))?;
    }

    #[test]
    fn scenario_loader_bounds_deep_nesting(depth in 1usize..20_000, open in prop_oneof![Just("["), Just("{a: "), Just("- ")]) {
        let text = if open == "- " {
            (0..depth).map(|d| format!("{}- \n", " ".repeat(d % 2000))).collect::<String>()
        } else {
            format!("name: {}x", open.repeat(depth))
        };
        check_scenario(Path::new("/nonexistent/fuzz/scenario.yaml"), &text)?;
    }

    #[test]
    fn scenario_loader_bounds_alias_bombs(levels in 1usize..12, width in 2usize..12) {
        // The "billion laughs": each level repeats the one before `width` times.
        let mut text = String::from("a0: &a0 [\"lol\"]\n");
        for l in 1..=levels {
            let refs = vec![format!("*a{}", l - 1); width].join(", ");
            text.push_str(&format!("a{l}: &a{l} [{refs}]\n"));
        }
        text.push_str(&format!("name: *a{levels}\ndescription: *a{levels}\nsteps: *a{levels}\n"));
        check_scenario(Path::new("/nonexistent/fuzz/scenario.yaml"), &text)?;
    }
}

/// A document far over the loader's limits is refused by size, quickly, from a file and from
/// text.
#[test]
fn scenario_loader_refuses_huge_documents() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.yaml");
    let huge = format!("name: x\ndescription: \"{}\"\n", "y".repeat(40 << 20));
    std::fs::write(&file, &huge).unwrap();
    let t = Instant::now();
    let e = harness::scenario::load(std::slice::from_ref(&file)).expect_err("too big");
    assert!(t.elapsed() < BOUND, "{:?}", t.elapsed());
    assert!(e.to_string().contains("larger than"), "{e}");
    let t = Instant::now();
    let e = parse_scenario(&file, &huge).expect_err("too big");
    assert!(t.elapsed() < BOUND, "{:?}", t.elapsed());
    assert!(!e.diagnostics().is_empty());
    // The error quotes a window of the 40 MiB line, not the line.
    let shown = e.to_string();
    assert!(shown.len() < 2000, "an error of {} bytes", shown.len());
    println!("huge scenario: refused in {:?}:\n{shown}", t.elapsed());
}

/// Values with shell metacharacters are data: they load unchanged, and reach curl only inside
/// its quoted config (never a shell, never argv of a shell).
#[test]
fn shell_metacharacters_stay_data() {
    let evil = "$(touch /tmp/pwned) `id` ; rm -rf / # 'q' \"dq\" \\ | & > <";
    let r = Request::get("http://helloworld.sample:5000/hello").header("X-Evil", evil);
    let b = curl_batch(&[r]).expect("a header with metacharacters is a valid value");
    assert_eq!(b.argv(), ["curl", "-q", "-sS", "-K", "-"].map(String::from));
    let config = String::from_utf8(b.stdin().expect("a stdin-mode batch").to_vec()).unwrap();
    let line = config
        .lines()
        .find(|l| l.starts_with("header = "))
        .expect("the header line");
    // curl's config quoting: backslash and double quote escaped, nothing else interpreted.
    let escaped = evil.replace('\\', "\\\\").replace('"', "\\\"");
    assert_eq!(line, format!("header = \"X-Evil: {escaped}\""));
    // A newline or NUL in a value is refused before anything runs.
    for bad in ["a\nurl = \"http://evil/\"", "a\0b"] {
        let r = Request::get("http://a/").header("X-Q", bad);
        assert!(curl_batch(&[r]).is_err(), "{bad:?} accepted");
    }
}

/// The token a batch's write-out lines carry (read back from its config).
fn token(b: &CurlBatch) -> String {
    let config = String::from_utf8_lossy(b.stdin().expect("a stdin-mode batch"));
    let at = config.find("<<").expect("a write-out") + 2;
    config[at..].split(' ').next().unwrap().to_string()
}

/// curl's output for one successful transfer of `body`, as request `index` of a batch.
fn record(token: &str, index: usize, status: u16, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "HTTP/1.1 {status} OK\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut out = head.as_bytes().to_vec();
    out.extend_from_slice(body);
    out.extend_from_slice(
        format!(
            "\n<<{token} {index} 0 {status} {} {} 0.001 {token}>>\n",
            head.len(),
            body.len()
        )
        .as_bytes(),
    );
    out
}

fn batch(n: usize) -> CurlBatch {
    curl_batch(&vec![Request::get("http://a:5000/x"); n]).unwrap()
}

fn exit_status() -> impl Strategy<Value = ExitStatus> {
    prop_oneof![
        any::<i32>().prop_map(ExitStatus::Code),
        ".{0,20}".prop_map(|detail| ExitStatus::StreamBroken { detail }),
        Just(ExitStatus::TimedOut {
            after: Duration::from_secs(3)
        }),
        (".{0,10}", ".{0,10}").prop_map(|(reason, message)| ExitStatus::Failed { reason, message }),
    ]
}

/// Bodies that look like the parser's own markers, with and without the batch's token.
fn body(token: String) -> impl Strategy<Value = Vec<u8>> {
    let forged =
        move |i: usize| format!("\n<<{token} {i} 0 200 10 10 0.1 {token}>>\n").into_bytes();
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        (0usize..5).prop_map(forged),
        Just(b"\n<<hx0 0 0 200 0 0 0 hx0>>\n".to_vec()),
        Just(Vec::new()),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn curl_parser_survives_arbitrary_output(out in proptest::collection::vec(any::<u8>(), 0..8192), err in proptest::collection::vec(any::<u8>(), 0..700), n in 0usize..8, exit in exit_status()) {
        let b = batch(n);
        let t = Instant::now();
        let p = parse_curl_batch(&b, &out, &err, &exit);
        prop_assert!(t.elapsed() < BOUND);
        prop_assert_eq!(p.results.len(), n);
        prop_assert_eq!(p.problem.is_some(), p.missing() > 0);
    }

    /// Records truncated, duplicated or dropped, bodies that forge markers: whatever the parser
    /// keeps is exactly what was sent for that index, never a neighbour's or a forged one.
    #[test]
    fn curl_parser_never_misattributes(bodies in proptest::collection::vec(body(String::new()), 1..6), dup in any::<prop::sample::Index>(), drop in any::<Option<prop::sample::Index>>(), cut in any::<Option<prop::sample::Index>>(), forge in any::<bool>()) {
        let b = batch(bodies.len());
        let tok = token(&b);
        let bodies: Vec<Vec<u8>> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| {
                if forge && body.is_empty() {
                    format!("\n<<{tok} {i} 0 200 0 0 0.1 {tok}>>\n").into_bytes()
                } else {
                    body
                }
            })
            .collect();
        let mut records: Vec<Vec<u8>> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| record(&tok, i, 200 + i as u16, body))
            .collect();
        let d = dup.index(records.len());
        records.insert(d, records[d].clone());
        if let Some(x) = drop {
            records.remove(x.index(records.len()));
        }
        let mut out = records.concat();
        if let Some(c) = cut {
            out.truncate(c.index(out.len() + 1));
        }
        let t = Instant::now();
        let p = parse_curl_batch(&b, &out, b"", &ExitStatus::StreamBroken { detail: "cut".into() });
        prop_assert!(t.elapsed() < BOUND);
        for (i, r) in p.results.iter().enumerate() {
            match r {
                None => {}
                Some(Sample::Response(resp)) => {
                    prop_assert_eq!(resp.status, 200 + i as u16);
                    prop_assert_eq!(resp.body.text().into_owned(), String::from_utf8_lossy(&bodies[i]).into_owned());
                }
                Some(other) => prop_assert!(false, "request {i}: {other:?}"),
            }
        }
        prop_assert_eq!(p.problem.is_some(), p.missing() > 0);
    }
}

/// An enormous body (a backend streaming far more than any test needs) parses in bounded time,
/// and a batch cut inside it keeps only complete transfers.
#[test]
fn curl_parser_handles_enormous_bodies() {
    let b = batch(2);
    let tok = token(&b);
    let big = vec![b'x'; 64 << 20];
    let mut out = record(&tok, 0, 200, &big);
    out.extend(record(&tok, 1, 200, b"small"));
    let t = Instant::now();
    let p = parse_curl_batch(&b, &out, b"", &ExitStatus::Code(0));
    let whole = t.elapsed();
    assert_eq!(p.missing(), 0, "{:?}", p.problem);
    let cut_at = out.len() / 2;
    let t = Instant::now();
    let p = parse_curl_batch(&b, &out[..cut_at], b"", &ExitStatus::Code(0));
    let cut = t.elapsed();
    assert_eq!(p.missing(), 2);
    assert!(p.problem.is_some());
    assert!(whole < BOUND && cut < BOUND, "{whole:?} {cut:?}");
    println!("64 MiB body: parsed in {whole:?}, cut inside it in {cut:?}");
}
