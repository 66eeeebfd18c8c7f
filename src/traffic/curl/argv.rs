//! The argv encoding of a batch, for API servers before 1.30 ([`super::CurlMode::Argv`]):
//!
//! ```text
//! curl -q -sS --url http://helloworld.sample:5000/hello --globoff --path-as-is --noproxy '*'
//!      --include --max-time 10.000 --write-out '\n<<hx… 0 %{exitcode} …hx…>>\n' --next --url …
//! ```
//!
//! (quotes only for reading: there is no shell.) The options are those of the stdin config,
//! one for one ([`super::build::request_options`]), and `--next` separates requests as `next`
//! does there. Every option is its long name as one element and its value as the next one.
//! curl takes the element after an option that needs an argument as that argument whatever it
//! holds, so a value with spaces, quotes, `$()`, newlines or leading dashes is never read as an
//! option or split; no `--name=value` form is used, so `=` in values means nothing either.
//! What an argv element cannot carry is refused: a NUL byte (C strings end there) and bytes
//! that are not UTF-8 (the exec API passes the command as text in the URL).
//!
//! The exec request carries the argv in its URL (`?command=curl&command=-q&…`), and URLs are
//! limited along the way (Go's 1 MiB header limit in the API server and kubelet, 60 KiB in
//! Envoy-based proxies, less in some load balancers), so a batch is split into several curl
//! runs whose query stays under [`MAX_ARGV_QUERY`]; a single request larger than that is
//! refused.

use super::super::request::{Request, RequestError};
use super::CurlBatch;
use super::build::{CurlOpt, request_options};

/// The start of every argv-mode run: `-q` first (ignore any `.curlrc` in the image), silent
/// but showing errors.
const HEAD: &[&str] = &["curl", "-q", "-sS"];

/// The most bytes one run's argv may take in the exec URL's query string: well under the
/// limits above, and under Linux's 128 KiB for one argument, while a default batch of 50
/// requests (about 550 bytes each) still fits in one run.
pub(crate) const MAX_ARGV_QUERY: usize = 32 * 1024;

/// What `arg` adds to the query: `command=<arg>&`, form-urlencoded as kube-rs sends it
/// (letters, digits, `*-._` as is, space as `+`, any other byte as `%XX`).
fn query_len(arg: &str) -> usize {
    "command=&".len()
        + arg
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"*-._ ".contains(&b) {
                    1
                } else {
                    3
                }
            })
            .sum::<usize>()
}

/// The argv elements of one request's options: `--name`, then the value as its own element.
fn encode(opts: Vec<CurlOpt>, index: usize) -> Result<Vec<String>, RequestError> {
    let mut args = Vec::with_capacity(opts.len() * 2);
    for o in opts {
        args.push(format!("--{}", o.name));
        let Some(value) = o.value else { continue };
        let refuse = |why: &str| RequestError {
            index,
            problem: format!(
                "{}: {why}, which a command-line argument cannot carry (Kubernetes 1.30 and later send it on stdin)",
                o.what
            ),
        };
        if value.contains(&0) {
            return Err(refuse("it contains a NUL byte"));
        }
        let text = String::from_utf8(value).map_err(|_| refuse("it is not UTF-8"))?;
        args.push(text);
    }
    Ok(args)
}

/// The curl runs for `requests` in argv mode, in order, each with a fresh random delimiter
/// and within [`MAX_ARGV_QUERY`]; their results, concatenated, are the batch's.
pub(crate) fn curl_argv_batches(requests: &[Request]) -> Result<Vec<CurlBatch>, RequestError> {
    batches(requests, MAX_ARGV_QUERY, || {
        format!("hx{:032x}", rand::random::<u128>())
    })
}

/// A run being filled.
struct Open {
    token: String,
    argv: Vec<String>,
    query: usize,
    count: usize,
}

impl Open {
    fn finish(self) -> CurlBatch {
        CurlBatch {
            argv: self.argv,
            stdin: None,
            token: self.token,
            count: self.count,
        }
    }
}

pub(super) fn batches(
    requests: &[Request],
    budget: usize,
    mut token: impl FnMut() -> String,
) -> Result<Vec<CurlBatch>, RequestError> {
    let head: usize = HEAD.iter().map(|a| query_len(a)).sum();
    let next = query_len("--next");
    let mut done = Vec::new();
    let mut open: Option<Open> = None;
    for (index, r) in requests.iter().enumerate() {
        loop {
            let run = open.get_or_insert_with(|| Open {
                token: token(),
                argv: HEAD.iter().map(|a| a.to_string()).collect(),
                query: head,
                count: 0,
            });
            // The write-out carries the index within the run, errors the one within the batch.
            let opts = request_options(r, &run.token, run.count)
                .map_err(|e| RequestError { index, ..e })?;
            let args = encode(opts, index)?;
            let sep = if run.count > 0 { next } else { 0 };
            let size = sep + args.iter().map(|a| query_len(a)).sum::<usize>();
            if run.query + size <= budget {
                if run.count > 0 {
                    run.argv.push("--next".into());
                }
                run.argv.extend(args);
                run.query += size;
                run.count += 1;
                break;
            }
            if run.count == 0 {
                return Err(RequestError {
                    index,
                    problem: format!(
                        "its curl options take {} bytes of the exec URL, more than the {budget} one exec may carry before Kubernetes 1.30 (where they go on stdin)",
                        head + size
                    ),
                });
            }
            if let Some(full) = open.take() {
                done.push(full.finish());
            }
        }
    }
    done.extend(open.map(Open::finish));
    Ok(done)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::quote::unslashquote;
    use super::*;

    fn tokens() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("hxT{n}")
        }
    }

    fn one(requests: &[Request]) -> CurlBatch {
        let mut b = batches(requests, MAX_ARGV_QUERY, tokens()).unwrap();
        assert_eq!(b.len(), 1);
        b.remove(0)
    }

    /// The config's options as (name, value) pairs, read back the way curl reads them.
    fn config_pairs(cfg: &[u8]) -> Vec<(String, Option<Vec<u8>>)> {
        cfg.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| match l.iter().position(|b| *b == b' ') {
                Some(sp) => (
                    String::from_utf8(l[..sp].to_vec()).unwrap(),
                    Some(unslashquote(&l[sp + 4..])),
                ),
                None => (String::from_utf8(l.to_vec()).unwrap(), None),
            })
            .collect()
    }

    /// The argv's options as (name, value) pairs, read the way curl's parse_args does: an
    /// option that takes an argument consumes the next element, whatever it holds.
    fn argv_pairs(argv: &[String]) -> Vec<(String, Option<Vec<u8>>)> {
        const SWITCHES: &[&str] = &["globoff", "path-as-is", "include", "head", "next"];
        assert_eq!(&argv[..3], HEAD);
        let mut out = Vec::new();
        let mut it = argv[3..].iter();
        while let Some(a) = it.next() {
            let name = a.strip_prefix("--").unwrap_or_else(|| panic!("{a:?}"));
            let value = if SWITCHES.contains(&name) {
                None
            } else {
                Some(it.next().unwrap().as_bytes().to_vec())
            };
            out.push((name.to_string(), value));
        }
        out
    }

    fn tricky() -> Vec<Request> {
        vec![
            Request::get("http://helloworld.sample:5000/hello"),
            Request::to_host("httpbin.example.com", "/anything?q=$(id)")
                .method("PUT")
                .header("X-Q", "say \"hi\" 'there' \\ # $(rm -rf /) `id` ${HOME}")
                .header("X-Dash", "--next --url http://evil/ -K /etc/passwd")
                .header("X-Empty", "")
                .body("-d @/etc/passwd\nline two\r\n\ttab")
                .timeout(Duration::from_millis(2500)),
            Request::get("http://a/").method("POST").body("--"),
            Request::get("http://a/").method("HEAD"),
        ]
    }

    #[test]
    fn passes_the_config_options_one_for_one() {
        let reqs = tricky();
        let argv = one(&reqs);
        assert_eq!(argv.stdin(), None);
        let cfg = super::super::build::build(&reqs, "hxT1".into()).unwrap();
        assert_eq!(
            argv_pairs(argv.argv()),
            config_pairs(cfg.stdin().unwrap()),
            "{:#?}",
            argv.argv()
        );
    }

    #[test]
    fn every_value_is_one_element_after_its_option() {
        let b = one(&tricky());
        let argv = b.argv();
        let after = |v: &str| {
            let i = argv.iter().position(|a| a == v).unwrap_or_else(|| {
                panic!("{v:?} is not one element: {argv:#?}");
            });
            argv[i - 1].as_str()
        };
        assert_eq!(
            after("X-Q: say \"hi\" 'there' \\ # $(rm -rf /) `id` ${HOME}"),
            "--header"
        );
        assert_eq!(
            after("X-Dash: --next --url http://evil/ -K /etc/passwd"),
            "--header"
        );
        assert_eq!(after("-d @/etc/passwd\nline two\r\n\ttab"), "--data-raw");
        assert_eq!(after("--"), "--data-raw");
        assert_eq!(
            after("http://httpbin.example.com/anything?q=$(id)"),
            "--url"
        );
        assert_eq!(after("X-Empty;"), "--header");
        // Three separators for four requests: the ones in values are values.
        assert_eq!(argv.iter().filter(|a| *a == "--next").count(), 3);
        assert!(!argv.iter().any(|a| a.contains("-K -") || a == "-K"));
        let b = one(&[Request::get("http://a/")]);
        assert_eq!(
            b.argv()[..7],
            [
                "curl",
                "-q",
                "-sS",
                "--url",
                "http://a/",
                "--globoff",
                "--path-as-is"
            ]
        );
    }

    #[test]
    fn refuses_what_an_argument_cannot_carry() {
        let e = batches(
            &[
                Request::get("http://a/"),
                Request::get("http://a/").body(b"a\0b".to_vec()),
            ],
            MAX_ARGV_QUERY,
            tokens(),
        )
        .unwrap_err();
        assert_eq!(e.index, 1);
        assert!(e.problem.contains("NUL"), "{e}");
        let e = batches(
            &[Request::get("http://a/").body(vec![0xff, 0xfe])],
            MAX_ARGV_QUERY,
            tokens(),
        )
        .unwrap_err();
        assert!(e.problem.contains("not UTF-8"), "{e}");
        // What the request check refuses stays refused, with the batch's index.
        let e = batches(
            &[
                Request::get("http://a/"),
                Request::get("http://a/").header("@x", "v"),
            ],
            MAX_ARGV_QUERY,
            tokens(),
        )
        .unwrap_err();
        assert_eq!(e.index, 1);
        let e = batches(
            &[Request::get("http://a/").body("x".repeat(MAX_ARGV_QUERY))],
            MAX_ARGV_QUERY,
            tokens(),
        )
        .unwrap_err();
        assert!(e.problem.contains("more than the 32768"), "{e}");
    }

    #[test]
    fn splits_batches_to_fit_the_exec_url() {
        let reqs: Vec<Request> = (0..200)
            .map(|i| Request::get(format!("http://helloworld.sample-k3x9q2:5000/hello?i={i}")))
            .collect();
        // The default batch of 50 fits in one run.
        assert_eq!(curl_argv_batches(&reqs[..50]).unwrap().len(), 1);
        let runs = batches(&reqs, 8 * 1024, tokens()).unwrap();
        assert!(runs.len() > 2, "{} runs", runs.len());
        assert_eq!(runs.iter().map(CurlBatch::len).sum::<usize>(), 200);
        let mut urls = Vec::new();
        for (n, run) in runs.iter().enumerate() {
            let query: usize = run.argv().iter().map(|a| query_len(a)).sum();
            assert!(query <= 8 * 1024, "run {n}: {query}");
            assert_eq!(run.token, format!("hxT{}", n + 1));
            let pairs = argv_pairs(run.argv());
            let outs: Vec<_> = pairs.iter().filter(|(n, _)| n == "write-out").collect();
            assert_eq!(outs.len(), run.len());
            // Write-out indices count within the run, from 0.
            let first = String::from_utf8(outs[0].1.clone().unwrap()).unwrap();
            assert!(
                first.starts_with(&format!("\n<<{} 0 ", run.token)),
                "{first}"
            );
            urls.extend(
                pairs
                    .into_iter()
                    .filter(|(n, _)| n == "url")
                    .map(|(_, v)| String::from_utf8(v.unwrap()).unwrap()),
            );
        }
        let want: Vec<String> = reqs.iter().map(Request::url).collect();
        assert_eq!(urls, want, "every request once, in order");
    }

    #[test]
    fn counts_the_query_as_kube_rs_encodes_it() {
        assert_eq!(query_len("curl"), 9 + 4);
        assert_eq!(query_len("a b"), 9 + 3);
        assert_eq!(query_len("%{x}\n"), 9 + 13);
    }
}
