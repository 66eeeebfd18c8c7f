//! Nothing a command line, a config file, a URL or a `--write-out` format contains may
//! panic the emulation.

use std::time::{Duration, SystemTime};

use proptest::prelude::*;

use super::config::{State, Stdin};
use super::errors::CurlCode;
use super::glob::Glob;
use super::transfer::{ResponseMeta, Times, TransferInfo};
use super::url::Url;
use super::{CurlBuild, CurlFlavor, args, config_file, writeout};
use crate_root::image::CurlVersion;

use super::super as crate_root;

fn build() -> CurlBuild {
    CurlBuild {
        version: CurlVersion::MODELLED,
        flavor: CurlFlavor::CurlImages,
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(f),
        Err(e) => panic!("runtime: {e}"),
    }
}

/// Words that steer the parsers into their interesting paths.
fn arg() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-K".to_string()),
        Just("-".to_string()),
        Just("--next".to_string()),
        Just("-:".to_string()),
        Just("-sSfiIL".to_string()),
        Just("-w".to_string()),
        Just("-o".to_string()),
        Just("-d".to_string()),
        Just("@-".to_string()),
        Just("--max-time".to_string()),
        Just("--no-silent".to_string()),
        Just("--url=x".to_string()),
        Just("--".to_string()),
        "[ -~]{0,12}",
        any::<String>(),
    ]
}

fn config_bytes() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        Just(b"url = \"http://h/\"".to_vec()),
        Just(b"next".to_vec()),
        Just(b"-K -".to_vec()),
        Just(b"write-out = \"%{http_code}\\n\"".to_vec()),
        Just(b"  # comment".to_vec()),
        Just(b"header \"a\\".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..200),
    ];
    proptest::collection::vec(line, 0..12).prop_map(|lines| lines.join(&b'\n'))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn argv_parser_never_panics(argv in proptest::collection::vec(arg(), 0..10), stdin in config_bytes()) {
        let input: Box<dyn tokio::io::AsyncRead + Send + Unpin> = Box::new(std::io::Cursor::new(stdin));
        let mut st = State::new(build(), Stdin::new(Some(input)));
        let _ = block_on(args::parse_args(&mut st, &argv));
        prop_assert!(!st.ops.is_empty());
    }

    #[test]
    fn config_parser_never_panics(data in config_bytes()) {
        let input: Box<dyn tokio::io::AsyncRead + Send + Unpin> = Box::new(std::io::Cursor::new(data));
        let mut st = State::new(build(), Stdin::new(Some(input)));
        let _ = block_on(config_file::parse_config(&mut st, "-", 0));
    }

    #[test]
    fn url_and_glob_never_panic(s in any::<String>(), base in "[a-z]{1,8}(/[a-z.]{0,5}){0,3}") {
        if let Ok(u) = Url::parse(&s, false) {
            let _ = u.to_effective();
        }
        if let Ok(b) = Url::parse(&base, false) {
            let _ = b.join(&s, false);
        }
        if let Ok(g) = Glob::parse(&s) {
            let n = g.count().min(5);
            for i in 0..n {
                let _ = g.nth(i);
            }
        }
    }

    #[test]
    fn write_out_never_panics(format in any::<String>(), status in 0u16..1000, body in any::<String>()) {
        let info = TransferInfo {
            url: "h/x".into(),
            urlnum: 0,
            xfer_id: 0,
            effective_url: Some("http://h/x".into()),
            scheme: Some("http".into()),
            method: "GET".into(),
            response: Some(ResponseMeta {
                status,
                version: Default::default(),
                headers: vec![("content-type".into(), body.clone()), ("x".into(), body)],
            }),
            size_download: 0,
            size_header: 0,
            size_request: 0,
            size_upload: 0,
            num_redirects: 0,
            redirect_url: None,
            remote: None,
            local: None,
            conn_id: Some(0),
            num_connects: 1,
            times: Times { total: Duration::from_millis(3), ..Times::default() },
            result: CurlCode::Ok,
            errmsg: String::new(),
            filename_effective: None,
            referer: None,
        };
        let ctx = writeout::Context { build: build(), info: &info, result: CurlCode::Ok, now: SystemTime::now() };
        let _ = writeout::render(&format, &ctx);
    }
}
