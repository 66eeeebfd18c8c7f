//! Property tests of the parser against output rendered the way curl writes it.

use std::time::Duration;

use proptest::prelude::*;

use super::build::{build, write_out};
use super::*;
use crate::traffic::request::Request;
use crate::traffic::sample::{Body, Response, Sample, TransportError, TransportErrorKind};

const TOKEN: &str = "hx0123456789abcdef0123456789abcdef";
const OTHER: &str = "hxffffffffffffffffffffffffffffffff";

/// What one transfer produced, as curl would print it.
#[derive(Debug, Clone)]
enum Fake {
    Ok {
        status: u16,
        interim: bool,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    Err {
        exit: i32,
        partial: Vec<u8>,
        msg: String,
    },
}

/// curl's stdout for `fakes`: `--include` headers, the body, then the write-out with
/// curl's escapes (`\n`) and variables filled in.
fn render(fakes: &[Fake]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in fakes.iter().enumerate() {
        let (exit, code, head, body, msg) = match f {
            Fake::Ok {
                status,
                interim,
                headers,
                body,
            } => {
                let mut head = Vec::new();
                if *interim {
                    head.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                head.extend_from_slice(format!("HTTP/1.1 {status} X\r\n").as_bytes());
                for (n, v) in headers {
                    head.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
                }
                head.extend_from_slice(b"\r\n");
                (0, *status, head, body.clone(), String::new())
            }
            Fake::Err { exit, partial, msg } => {
                (*exit, 0, Vec::new(), partial.clone(), msg.clone())
            }
        };
        out.extend_from_slice(&head);
        out.extend_from_slice(&body);
        let w = write_out(TOKEN, i)
            .replace("%{exitcode}", &exit.to_string())
            .replace("%{http_code}", &format!("{code:03}"))
            .replace("%{size_header}", &head.len().to_string())
            .replace("%{size_download}", &body.len().to_string())
            .replace("%{time_total}", "0.012345")
            .replace("%{errormsg}", &msg);
        out.extend_from_slice(w.as_bytes());
    }
    out
}

fn expected(f: &Fake) -> Sample {
    match f {
        Fake::Ok {
            status,
            headers,
            body,
            ..
        } => Sample::Response(Response {
            status: *status,
            headers: headers.clone(),
            body: Body::from_bytes(body),
            elapsed: Some(Duration::from_secs_f64(0.012345)),
        }),
        Fake::Err { exit, msg, .. } => Sample::TransportError(TransportError {
            kind: TransportErrorKind::from_curl_exit(*exit),
            curl_exit: Some(*exit),
            message: if msg.trim().is_empty() {
                format!("curl exit code {exit}")
            } else {
                msg.trim().to_string()
            },
            elapsed: Some(Duration::from_secs_f64(0.012345)),
        }),
    }
}

fn batch(n: usize) -> CurlBatch {
    build(&vec![Request::get("http://a/"); n], TOKEN.into()).unwrap()
}

/// Body bytes that look like the format: this batch's opener and closer, another batch's
/// complete trailer, header-like lines, NULs and invalid UTF-8. (A complete trailer with this
/// batch's token cannot appear in a body: the token never leaves the curl process.)
fn tricky_body() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop_oneof![
        Just(format!("\n<<{TOKEN} ").into_bytes()),
        Just(format!("{TOKEN}>>\n").into_bytes()),
        // Another batch's trailer (an echo of earlier output): the token differs.
        Just(format!("\n<<{OTHER} 0 0 200 0 0 0.1 {OTHER}>>\n").into_bytes()),
        // This batch's delimiters around fields that are not a trailer.
        Just(format!("\n<<{TOKEN} x 0 200 a b 0.1 oops{TOKEN}>>\n").into_bytes()),
        Just(b"HTTP/1.1 200 OK\r\nX: y\r\n\r\n".to_vec()),
        Just(vec![0u8, 0xff, 0xfe, b'\n', b'\r']),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    proptest::collection::vec(pieces, 0..6).prop_map(|v| v.concat())
}

fn header_strategy() -> impl Strategy<Value = (String, String)> {
    ("[A-Za-z][A-Za-z0-9-]{0,12}", "[ -~]{0,30}").prop_map(|(n, v)| (n, v.trim().to_string()))
}

fn fake() -> impl Strategy<Value = Fake> {
    prop_oneof![
        3 => (100u16..600, any::<bool>(), proptest::collection::vec(header_strategy(), 0..4), tricky_body())
            .prop_map(|(status, interim, headers, body)| Fake::Ok { status, interim, headers, body }),
        1 => (prop_oneof![Just(6), Just(7), Just(28), Just(52), Just(56), Just(18)], tricky_body(), "[ -~]{0,40}")
            .prop_map(|(exit, partial, msg)| Fake::Err { exit, partial, msg }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_output_never_panics(out in proptest::collection::vec(any::<u8>(), 0..2000), n in 0usize..5) {
        let p = batch(n).parse(&out, b"", &ExitStatus::Code(0));
        prop_assert_eq!(p.results.len(), n);
    }

    #[test]
    fn mutated_output_never_panics(fakes in proptest::collection::vec(fake(), 1..4), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8)) {
        let mut out = render(&fakes);
        for (i, b) in flips {
            let at = i.index(out.len());
            out[at] = b;
        }
        let p = batch(fakes.len()).parse(&out, b"", &ExitStatus::Code(0));
        prop_assert_eq!(p.results.len(), fakes.len());
    }

    #[test]
    fn round_trips_any_bodies(fakes in proptest::collection::vec(fake(), 0..6)) {
        let out = render(&fakes);
        let p = batch(fakes.len()).parse(&out, b"", &ExitStatus::Code(0));
        prop_assert_eq!(p.problem, None);
        for (got, f) in p.results.iter().zip(&fakes) {
            prop_assert_eq!(got.as_ref(), Some(&expected(f)));
        }
    }

    #[test]
    fn a_cut_keeps_the_complete_transfers(fakes in proptest::collection::vec(fake(), 1..6), cut in any::<prop::sample::Index>()) {
        let out = render(&fakes);
        let at = cut.index(out.len());
        // How many write-out lines end within the kept bytes.
        let complete = (0..fakes.len()).filter(|i| render(&fakes[..=*i]).len() <= at).count();
        let p = batch(fakes.len()).parse(&out[..at], b"", &ExitStatus::StreamBroken { detail: "cut".into() });
        prop_assert_eq!(p.missing(), fakes.len() - complete);
        for (i, f) in fakes.iter().enumerate().take(complete) {
            prop_assert_eq!(p.results[i].as_ref(), Some(&expected(f)));
        }
        prop_assert!(p.results[complete..].iter().all(Option::is_none));
        prop_assert!(p.problem.unwrap().contains("broke after"));
    }
}

#[test]
fn curl_failing_before_any_transfer_is_explained() {
    let p = batch(3).parse(
        b"",
        b"curl: option --bogus: is unknown\n",
        &ExitStatus::Code(2),
    );
    assert_eq!(p.missing(), 3);
    let why = p.problem.unwrap();
    assert!(why.contains("exited 2") && why.contains("--bogus"), "{why}");
}

#[test]
fn keeps_the_last_header_block_and_bounds_bodies() {
    let big = vec![b'x'; crate::traffic::sample::BODY_KEEP + 10];
    let fakes = [Fake::Ok {
        status: 200,
        interim: true,
        headers: vec![("Server".into(), "envoy".into())],
        body: big.clone(),
    }];
    let p = batch(1).parse(&render(&fakes), b"", &ExitStatus::Code(0));
    let Some(Sample::Response(r)) = &p.results[0] else {
        panic!("{p:?}")
    };
    assert_eq!(r.header("server"), Some("envoy"));
    assert_eq!(r.body.total, big.len() as u64);
    assert!(!r.body.is_complete());
}
