//! The small programs scenarios run in containers: `cat`, `echo`, `env`, `false`, `hostname`,
//! `printf`, `sleep`, `true`, in their two real flavours: busybox applets (Alpine-based
//! curlimages/curl, the busybox image) and GNU coreutils (the Debian/Ubuntu-based helloworld
//! and kong/httpbin images). Messages and exit codes follow each flavour.

use std::time::Duration;

use tokio::io::AsyncReadExt;

use super::image::ImageKind;
use super::process::{ExecOutcome, ProcessContext, ProcessIo, exec_in};

/// A modelled utility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Util {
    Cat,
    Echo,
    Env,
    False,
    Hostname,
    Printf,
    Sleep,
    True,
}

impl Util {
    /// The utility an executable of this name is, if modelled.
    pub(crate) fn from_name(name: &str) -> Option<Util> {
        Some(match name {
            "cat" => Util::Cat,
            "echo" => Util::Echo,
            "env" => Util::Env,
            "false" => Util::False,
            "hostname" => Util::Hostname,
            "printf" => Util::Printf,
            "sleep" => Util::Sleep,
            "true" => Util::True,
            _ => return None,
        })
    }
}

/// Which implementation an image ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Flavor {
    /// busybox applets: messages name the applet (`sleep: invalid number 'x'`).
    Busybox,
    /// GNU coreutils: messages name argv[0] as given and quote per locale.
    Gnu,
}

/// Upper bound for one read of stdin by `cat`.
const CHUNK: usize = 16 * 1024;

pub(crate) async fn run(
    util: Util,
    flavor: Flavor,
    image: ImageKind,
    arg0: &str,
    args: &[String],
    ctx: &ProcessContext,
    io: &mut ProcessIo,
) -> i32 {
    let prog = match flavor {
        Flavor::Busybox => arg0.rsplit('/').next().unwrap_or(arg0),
        Flavor::Gnu => arg0,
    };
    let q = Quoter::new(flavor, ctx);
    match util {
        Util::True => 0,
        Util::False => 1,
        Util::Echo => {
            let out = echo(args);
            if io.out(&out).await { 0 } else { 1 }
        }
        Util::Hostname => hostname(flavor, prog, args, ctx, io).await,
        Util::Sleep => sleep(flavor, prog, args, &q, io).await,
        Util::Cat => cat(flavor, prog, args, &q, ctx, io).await,
        Util::Env => env(flavor, prog, args, &q, image, ctx, io).await,
        Util::Printf => {
            let (out, err, code) = printf(flavor, prog, args, &q);
            io.out(&out).await;
            io.err(&err).await;
            code
        }
    }
}

/// GNU quotes file names and arguments with ‘…’ in a UTF-8 locale, '…' otherwise
/// (gnulib quotearg locale_quoting_style); busybox always uses '…'.
struct Quoter {
    curly: bool,
}

impl Quoter {
    fn new(flavor: Flavor, ctx: &ProcessContext) -> Quoter {
        let locale = ctx
            .env_var("LC_ALL")
            .filter(|v| !v.is_empty())
            .or_else(|| ctx.env_var("LC_MESSAGES").filter(|v| !v.is_empty()))
            .or_else(|| ctx.env_var("LANG"))
            .unwrap_or("")
            .to_ascii_lowercase();
        Quoter {
            curly: flavor == Flavor::Gnu && (locale.contains("utf-8") || locale.contains("utf8")),
        }
    }

    fn q(&self, s: &str) -> String {
        if self.curly {
            format!("\u{2018}{s}\u{2019}")
        } else {
            format!("'{s}'")
        }
    }
}

// ---------------------------------------------------------------------------------------
// echo

/// `echo [-neE] ARG...`: both flavours accept only flag words made of n, e and E
/// (coreutils src/echo.c, busybox coreutils/echo.c); the default is -E.
fn echo(args: &[String]) -> Vec<u8> {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let flags = match a.strip_prefix('-') {
            Some(f) if !f.is_empty() && f.chars().all(|c| matches!(c, 'n' | 'e' | 'E')) => f,
            _ => break,
        };
        for c in flags.chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        i += 1;
    }
    let text = args.get(i..).unwrap_or(&[]).join(" ");
    let mut out = Vec::with_capacity(text.len() + 1);
    if escapes {
        if unescape(text.as_bytes(), &mut out, true) {
            return out; // \c: no further output, not even the newline
        }
    } else {
        out.extend_from_slice(text.as_bytes());
    }
    if newline {
        out.push(b'\n');
    }
    out
}

/// Backslash escapes of `echo -e` and `printf %b`; returns true at `\c`.
/// `zero_prefixed_octal`: octal needs a leading 0 (`\0NNN`), as in echo and %b.
fn unescape(s: &[u8], out: &mut Vec<u8>, zero_prefixed_octal: bool) -> bool {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c != b'\\' || i + 1 >= s.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = s[i + 1];
        i += 2;
        match e {
            b'\\' => out.push(b'\\'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'c' => return true,
            b'e' => out.push(27),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'x' if s.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 2 && s.get(i).is_some_and(u8::is_ascii_hexdigit) {
                    v = v * 16 + (s[i] as char).to_digit(16).unwrap_or(0);
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            b'0'..=b'7' if !zero_prefixed_octal || e == b'0' => {
                let mut v: u32 = if zero_prefixed_octal {
                    0
                } else {
                    u32::from(e - b'0')
                };
                let mut n = 0;
                while n < 3 && s.get(i).is_some_and(|d| (b'0'..=b'7').contains(d)) {
                    v = v * 8 + u32::from(s[i] - b'0');
                    i += 1;
                    n += 1;
                    if !zero_prefixed_octal && n == 2 {
                        break;
                    }
                }
                out.push((v & 0xff) as u8);
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    false
}

// ---------------------------------------------------------------------------------------
// hostname

async fn hostname(
    flavor: Flavor,
    prog: &str,
    args: &[String],
    ctx: &ProcessContext,
    io: &mut ProcessIo,
) -> i32 {
    let mut short = false;
    let mut positional = None;
    for a in args {
        match a.as_str() {
            "-s" | "--short" => short = true,
            "-f" | "--fqdn" | "--long" => {}
            other if !other.starts_with('-') => positional = Some(other),
            other => {
                let msg =
                    format!("[simulator] {prog} {other}: option not modelled by the simulator\n");
                io.err(msg.as_bytes()).await;
                return 1;
            }
        }
    }
    if positional.is_some() {
        // Setting the name needs CAP_SYS_ADMIN, which containers lack.
        let msg = match flavor {
            // busybox networking/hostname.c: bb_perror_msg_and_die("sethostname")
            Flavor::Busybox => format!("{prog}: sethostname: Operation not permitted\n"),
            // Debian hostname.c: EPERM message
            Flavor::Gnu => format!("{prog}: you must be root to change the host name\n"),
        };
        io.err(msg.as_bytes()).await;
        return 1;
    }
    let name = if short {
        ctx.hostname.split('.').next().unwrap_or("")
    } else {
        ctx.hostname.as_str()
    };
    if io.out(format!("{name}\n").as_bytes()).await {
        0
    } else {
        1
    }
}

// ---------------------------------------------------------------------------------------
// sleep

/// Parse one `sleep` operand: a decimal (or inf/infinity) with an optional s/m/h/d suffix
/// (coreutils src/sleep.c apply_suffix, busybox parse_duration_str). `None` if invalid.
fn sleep_operand(arg: &str) -> Option<f64> {
    let (num, mult) = match arg.char_indices().last() {
        Some((i, 's')) if !arg[..i].is_empty() => (&arg[..i], 1.0),
        Some((i, 'm')) if !arg[..i].is_empty() => (&arg[..i], 60.0),
        Some((i, 'h')) if !arg[..i].is_empty() => (&arg[..i], 3600.0),
        Some((i, 'd')) if !arg[..i].is_empty() => (&arg[..i], 86_400.0),
        _ => (arg, 1.0),
    };
    let lower = num.to_ascii_lowercase();
    let value = match lower.trim_start_matches('+') {
        "inf" | "infinity" => f64::INFINITY,
        s if !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && s.bytes().filter(|b| *b == b'.').count() <= 1
            && s != "." =>
        {
            s.parse::<f64>().ok()?
        }
        _ => return None,
    };
    Some(value * mult)
}

async fn sleep(flavor: Flavor, prog: &str, args: &[String], q: &Quoter, io: &mut ProcessIo) -> i32 {
    let operands: Vec<&String> = args.iter().filter(|a| a.as_str() != "--").collect();
    if operands.is_empty() {
        let msg = match flavor {
            // busybox: bb_show_usage() prints the applet's usage text and exits 1.
            Flavor::Busybox => "BusyBox multi-call binary.\n\nUsage: sleep [N]...\n".to_string(),
            Flavor::Gnu => {
                format!("{prog}: missing operand\nTry '{prog} --help' for more information.\n")
            }
        };
        io.err(msg.as_bytes()).await;
        return 1;
    }
    let mut total = 0.0f64;
    for op in operands {
        match sleep_operand(op) {
            Some(v) => total += v,
            None => {
                let msg = match flavor {
                    Flavor::Busybox => format!("{prog}: invalid number '{op}'\n"),
                    Flavor::Gnu => format!(
                        "{prog}: invalid time interval {}\nTry '{prog} --help' for more information.\n",
                        q.q(op)
                    ),
                };
                io.err(msg.as_bytes()).await;
                return 1;
            }
        }
    }
    match Duration::try_from_secs_f64(total) {
        // Anything beyond ~30 years is forever for a test run.
        Ok(d) if d < Duration::from_secs(1 << 30) => tokio::time::sleep(d).await,
        _ => std::future::pending::<()>().await,
    }
    0
}

// ---------------------------------------------------------------------------------------
// cat

/// The only files the model knows: the kubelet mounts /etc/hostname with the pod's hostname.
fn virtual_file(path: &str, ctx: &ProcessContext) -> Option<Vec<u8>> {
    match path {
        "/etc/hostname" => Some(format!("{}\n", ctx.hostname).into_bytes()),
        "/dev/null" => Some(Vec::new()),
        _ => None,
    }
}

async fn cat(
    flavor: Flavor,
    prog: &str,
    args: &[String],
    q: &Quoter,
    ctx: &ProcessContext,
    io: &mut ProcessIo,
) -> i32 {
    let mut files: Vec<&str> = Vec::new();
    let mut options_done = false;
    for a in args {
        if !options_done && a == "--" {
            options_done = true;
        } else if !options_done && a.starts_with('-') && a.len() > 1 {
            if a != "-u" {
                let msg = format!("[simulator] {prog} {a}: option not modelled by the simulator\n");
                io.err(msg.as_bytes()).await;
                return 1;
            }
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        files.push("-");
    }
    let mut code = 0;
    for f in files {
        if f == "-" {
            if let Some(mut stdin) = io.stdin.take() {
                let mut buf = vec![0u8; CHUNK];
                loop {
                    match stdin.read(&mut buf).await {
                        Ok(0) => break,
                        Ok(n) => {
                            if !io.out(&buf[..n]).await {
                                return 1;
                            }
                        }
                        Err(_) => {
                            code = 1;
                            break;
                        }
                    }
                }
            }
            continue;
        }
        let abs = if f.starts_with('/') {
            f.to_string()
        } else {
            format!("/{f}")
        };
        match virtual_file(&abs, ctx) {
            Some(content) => {
                if !io.out(&content).await {
                    return 1;
                }
            }
            None => {
                let msg = match flavor {
                    Flavor::Busybox => {
                        format!("{prog}: can't open '{f}': No such file or directory\n")
                    }
                    Flavor::Gnu => {
                        format!("{prog}: {}: No such file or directory\n", quote_file(q, f))
                    }
                };
                io.err(msg.as_bytes()).await;
                code = 1;
            }
        }
    }
    code
}

/// GNU quotes file names only when they need it (shell-escape style); plain names stay bare.
fn quote_file(q: &Quoter, f: &str) -> String {
    if f.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@%".contains(&b))
    {
        f.to_string()
    } else {
        q.q(f)
    }
}

// ---------------------------------------------------------------------------------------
// env

async fn env(
    flavor: Flavor,
    prog: &str,
    args: &[String],
    q: &Quoter,
    image: ImageKind,
    ctx: &ProcessContext,
    io: &mut ProcessIo,
) -> i32 {
    let mut vars = ctx.env.clone();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        match a.as_str() {
            "-i" | "-" | "--ignore-environment" => vars.clear(),
            "-u" | "--unset" => {
                i += 1;
                let Some(name) = args.get(i) else {
                    let msg = format!("{prog}: option requires an argument -- 'u'\n");
                    io.err(msg.as_bytes()).await;
                    return 125;
                };
                vars.retain(|(k, _)| k != name);
            }
            "--" => {
                i += 1;
                break;
            }
            s if s.starts_with('-') && s.len() > 1 => {
                let msg = format!("[simulator] {prog} {s}: option not modelled by the simulator\n");
                io.err(msg.as_bytes()).await;
                return 125;
            }
            _ => break,
        }
        i += 1;
    }
    while let Some(a) = args.get(i) {
        let Some((k, v)) = a.split_once('=') else {
            break;
        };
        if k.is_empty() {
            break;
        }
        match vars.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.to_string(),
            None => vars.push((k.to_string(), v.to_string())),
        }
        i += 1;
    }
    let command = args.get(i..).unwrap_or(&[]);
    if command.is_empty() {
        let mut out = Vec::new();
        for (k, v) in &vars {
            out.extend_from_slice(format!("{k}={v}\n").as_bytes());
        }
        return if io.out(&out).await { 0 } else { 1 };
    }
    let child = ProcessContext {
        env: vars,
        ..ctx.clone()
    };
    match exec_in(image, &child, command, io).await {
        ExecOutcome::Exited(code) => code,
        ExecOutcome::NotFound { .. } => {
            let name = &command[0];
            let msg = match flavor {
                // busybox coreutils/env.c: BB_EXECVP_or_die
                Flavor::Busybox => {
                    format!("{prog}: can't execute '{name}': No such file or directory\n")
                }
                // coreutils src/env.c: error (EXIT_ENOENT, errno, "%s", quote (argv[optind]))
                Flavor::Gnu => format!("{prog}: {}: No such file or directory\n", q.q(name)),
            };
            io.err(msg.as_bytes()).await;
            127
        }
    }
}

// ---------------------------------------------------------------------------------------
// printf

/// `printf FORMAT [ARGUMENT]...` (coreutils src/printf.c, busybox coreutils/printf.c): the
/// format is reused while arguments remain; returns (stdout, stderr, exit code).
fn printf(flavor: Flavor, prog: &str, args: &[String], q: &Quoter) -> (Vec<u8>, Vec<u8>, i32) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let Some(format) = args.first() else {
        let msg = match flavor {
            Flavor::Busybox => {
                "BusyBox multi-call binary.\n\nUsage: printf FORMAT [ARG]...\n".to_string()
            }
            Flavor::Gnu => {
                format!("{prog}: missing operand\nTry '{prog} --help' for more information.\n")
            }
        };
        return (out, msg.into_bytes(), 1);
    };
    let mut p = Printf {
        flavor,
        prog,
        q,
        args: &args[1..],
        next: 0,
        err: &mut err,
        failed: false,
    };
    loop {
        let before = p.next;
        let stop = p.render(format.as_bytes(), &mut out);
        if stop || p.next >= p.args.len() || p.next == before {
            break;
        }
    }
    let code = i32::from(p.failed);
    (out, err, code)
}

struct Printf<'a> {
    flavor: Flavor,
    prog: &'a str,
    q: &'a Quoter,
    args: &'a [String],
    next: usize,
    err: &'a mut Vec<u8>,
    failed: bool,
}

impl Printf<'_> {
    fn take(&mut self) -> Option<&str> {
        let a = self.args.get(self.next).map(String::as_str);
        if a.is_some() {
            self.next += 1;
        }
        a
    }

    fn complain(&mut self, text: String) {
        self.err.extend_from_slice(text.as_bytes());
        self.failed = true;
    }

    fn int_arg(&mut self) -> i128 {
        let Some(a) = self.take() else { return 0 };
        let a = a.to_string();
        if let Some(rest) = a.strip_prefix(['\'', '"']) {
            return rest.chars().next().map_or(0, |c| c as i128);
        }
        let (value, complete) = parse_c_integer(&a);
        match (value, complete) {
            (Some(v), true) => v,
            (v, _) => {
                let msg = match (self.flavor, v) {
                    (Flavor::Busybox, _) => format!("{}: invalid number '{a}'\n", self.prog),
                    (Flavor::Gnu, None) => {
                        format!(
                            "{}: {}: expected a numeric value\n",
                            self.prog,
                            self.q.q(&a)
                        )
                    }
                    (Flavor::Gnu, Some(_)) => {
                        format!(
                            "{}: {}: value not completely converted\n",
                            self.prog,
                            self.q.q(&a)
                        )
                    }
                };
                self.complain(msg);
                v.unwrap_or(0)
            }
        }
    }

    fn float_arg(&mut self) -> f64 {
        let Some(a) = self.take() else { return 0.0 };
        let a = a.to_string();
        if let Some(rest) = a.strip_prefix(['\'', '"']) {
            return rest.chars().next().map_or(0.0, |c| f64::from(c as u32));
        }
        match a.trim().parse::<f64>() {
            Ok(v) => v,
            Err(_) => {
                let msg = match self.flavor {
                    Flavor::Busybox => format!("{}: invalid number '{a}'\n", self.prog),
                    Flavor::Gnu => format!(
                        "{}: {}: expected a numeric value\n",
                        self.prog,
                        self.q.q(&a)
                    ),
                };
                self.complain(msg);
                0.0
            }
        }
    }

    /// Render the format once; true when `\c` in a `%b` argument stops all output.
    fn render(&mut self, f: &[u8], out: &mut Vec<u8>) -> bool {
        let mut i = 0;
        while i < f.len() {
            match f[i] {
                b'\\' => {
                    let end = escape_end(f, i);
                    if unescape(&f[i..end], out, false) {
                        return true;
                    }
                    i = end;
                }
                b'%' => {
                    if f.get(i + 1) == Some(&b'%') {
                        out.push(b'%');
                        i += 2;
                        continue;
                    }
                    let (spec, end) = parse_spec(f, i + 1);
                    i = end;
                    let Some(spec) = spec else {
                        // Unknown conversion: both flavours stop with an error.
                        let text = String::from_utf8_lossy(&f[i.saturating_sub(1)..]).to_string();
                        let msg = format!(
                            "{}: %{}: invalid conversion specification\n",
                            self.prog,
                            text.trim_start_matches('%')
                        );
                        self.complain(msg);
                        return true;
                    };
                    if self.convert(&spec, out) {
                        return true;
                    }
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        false
    }

    fn convert(&mut self, spec: &Spec, out: &mut Vec<u8>) -> bool {
        let width = match spec.width {
            Count::Star => Some(self.int_arg().clamp(-4096, 4096) as i64),
            Count::Fixed(n) => Some(n as i64),
            Count::None => None,
        };
        let precision = match spec.precision {
            Count::Star => Some(self.int_arg().clamp(-1, 4096) as i64).filter(|p| *p >= 0),
            Count::Fixed(n) => Some(n as i64),
            Count::None => None,
        };
        let mut flags = spec.flags;
        let width = match width {
            Some(w) if w < 0 => {
                flags.left = true;
                Some((-w) as usize)
            }
            Some(w) => Some(w as usize),
            None => None,
        };
        let precision = precision.map(|p| p as usize);
        let body: Vec<u8> = match spec.conv {
            b's' => {
                let a = self.take().unwrap_or("").as_bytes().to_vec();
                match precision {
                    Some(p) if p < a.len() => a[..p].to_vec(),
                    _ => a,
                }
            }
            b'b' => {
                let a = self.take().unwrap_or("").to_string();
                let mut v = Vec::new();
                let stop = unescape(a.as_bytes(), &mut v, true);
                pad(&mut v, width, &flags, false);
                out.extend_from_slice(&v);
                return stop;
            }
            b'c' => self
                .take()
                .and_then(|a| a.as_bytes().first().copied())
                .map(|b| vec![b])
                .unwrap_or_default(),
            b'd' | b'i' => format_signed(self.int_arg(), precision, &flags).into_bytes(),
            b'o' | b'u' | b'x' | b'X' => {
                let v = self.int_arg();
                // C converts to uintmax_t: negative values wrap.
                let u = if v < 0 {
                    (v as i64) as u64 as u128
                } else {
                    v as u128
                };
                format_unsigned(u, spec.conv, precision, &flags).into_bytes()
            }
            conv => {
                format_float(self.float_arg(), conv, precision.unwrap_or(6), &flags).into_bytes()
            }
        };
        let mut body = body;
        // C ignores the 0 flag for strings, and for integers when a precision is given.
        let zero_ok = match spec.conv {
            b'd' | b'i' | b'o' | b'u' | b'x' | b'X' => precision.is_none(),
            b's' | b'c' => false,
            _ => !body
                .iter()
                .any(|b| b.is_ascii_alphabetic() && !b"eE".contains(b)),
        };
        pad(&mut body, width, &flags, zero_ok);
        out.extend_from_slice(&body);
        false
    }
}

fn escape_end(f: &[u8], i: usize) -> usize {
    // A backslash escape spans \ + one char, \xHH, or \NNN.
    let mut j = i + 2;
    match f.get(i + 1) {
        Some(b'x') => {
            while j < f.len() && j < i + 4 && f[j].is_ascii_hexdigit() {
                j += 1;
            }
        }
        Some(b'0'..=b'7') => {
            while j < f.len() && j < i + 4 && (b'0'..=b'7').contains(&f[j]) {
                j += 1;
            }
        }
        _ => {}
    }
    j.min(f.len())
}

#[derive(Clone, Copy, Default)]
struct Flags {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
}

#[derive(Clone, Copy)]
enum Count {
    None,
    Star,
    Fixed(usize),
}

struct Spec {
    flags: Flags,
    width: Count,
    precision: Count,
    conv: u8,
}

fn parse_spec(f: &[u8], mut i: usize) -> (Option<Spec>, usize) {
    let mut flags = Flags::default();
    while let Some(&c) = f.get(i) {
        match c {
            b'-' => flags.left = true,
            b'+' => flags.plus = true,
            b' ' => flags.space = true,
            b'#' => flags.alt = true,
            b'0' => flags.zero = true,
            _ => break,
        }
        i += 1;
    }
    let count = |i: &mut usize| -> Count {
        if f.get(*i) == Some(&b'*') {
            *i += 1;
            return Count::Star;
        }
        let start = *i;
        while f.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        if *i == start {
            Count::None
        } else {
            let digits = std::str::from_utf8(&f[start..*i]).unwrap_or("0");
            Count::Fixed(digits.parse::<usize>().unwrap_or(4096).min(4096))
        }
    };
    let width = count(&mut i);
    let precision = if f.get(i) == Some(&b'.') {
        i += 1;
        match count(&mut i) {
            Count::None => Count::Fixed(0),
            c => c,
        }
    } else {
        Count::None
    };
    // Length modifiers are accepted and ignored.
    while f.get(i).is_some_and(|c| b"hlLqjzt".contains(c)) {
        i += 1;
    }
    match f.get(i) {
        Some(&c) if b"diouxXcsbeEfFgG".contains(&c) => (
            Some(Spec {
                flags,
                width,
                precision,
                conv: c,
            }),
            i + 1,
        ),
        Some(_) => (None, i + 1),
        None => (None, i),
    }
}

fn pad(body: &mut Vec<u8>, width: Option<usize>, flags: &Flags, zero_ok: bool) {
    let Some(w) = width else { return };
    if body.len() >= w {
        return;
    }
    let fill = w - body.len();
    if flags.left {
        body.extend(std::iter::repeat_n(b' ', fill));
    } else if flags.zero && zero_ok {
        let sign_len = usize::from(body.first().is_some_and(|c| b"+- ".contains(c)));
        let prefix_len =
            if body[sign_len..].starts_with(b"0x") || body[sign_len..].starts_with(b"0X") {
                sign_len + 2
            } else {
                sign_len
            };
        let tail = body.split_off(prefix_len);
        body.extend(std::iter::repeat_n(b'0', fill));
        body.extend(tail);
    } else {
        let mut padded: Vec<u8> = std::iter::repeat_n(b' ', fill).collect();
        padded.append(body);
        *body = padded;
    }
}

fn format_signed(v: i128, precision: Option<usize>, flags: &Flags) -> String {
    let mut digits = v.unsigned_abs().to_string();
    if let Some(p) = precision {
        if p == 0 && v == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let sign = if v < 0 {
        "-"
    } else if flags.plus {
        "+"
    } else if flags.space {
        " "
    } else {
        ""
    };
    format!("{sign}{digits}")
}

fn format_unsigned(v: u128, conv: u8, precision: Option<usize>, flags: &Flags) -> String {
    let mut digits = match conv {
        b'o' => format!("{v:o}"),
        b'x' => format!("{v:x}"),
        b'X' => format!("{v:X}"),
        _ => v.to_string(),
    };
    if let Some(p) = precision {
        if p == 0 && v == 0 {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    if flags.alt {
        match conv {
            b'o' if !digits.starts_with('0') => digits.insert(0, '0'),
            b'x' if v != 0 => digits.insert_str(0, "0x"),
            b'X' if v != 0 => digits.insert_str(0, "0X"),
            _ => {}
        }
    }
    digits
}

/// C `%e`, `%f`, `%g` formatting of a double.
fn format_float(v: f64, conv: u8, precision: usize, flags: &Flags) -> String {
    let upper = conv.is_ascii_uppercase();
    let precision = precision.min(340);
    let sign = if v.is_sign_negative() && !v.is_nan() {
        "-"
    } else if flags.plus {
        "+"
    } else if flags.space {
        " "
    } else {
        ""
    };
    let a = v.abs();
    let body = if a.is_nan() {
        "nan".to_string()
    } else if a.is_infinite() {
        "inf".to_string()
    } else {
        match conv.to_ascii_lowercase() {
            b'f' => format!("{a:.precision$}"),
            b'e' => c_exp(a, precision),
            _ => {
                let p = precision.max(1);
                let exp = if a == 0.0 {
                    0
                } else {
                    // Exponent after rounding to p significant digits.
                    let s = c_exp(a, p - 1);
                    s.rsplit('e')
                        .next()
                        .and_then(|e| e.parse::<i32>().ok())
                        .unwrap_or(0)
                };
                let mut s = if exp < -4 || exp >= p as i32 {
                    c_exp(a, p - 1)
                } else {
                    let decimals = (p as i32 - 1 - exp).max(0) as usize;
                    format!("{a:.decimals$}")
                };
                if !flags.alt {
                    let (mantissa, exponent) = match s.find('e') {
                        Some(i) => (s[..i].to_string(), s[i..].to_string()),
                        None => (s.clone(), String::new()),
                    };
                    let mantissa = if mantissa.contains('.') {
                        mantissa
                            .trim_end_matches('0')
                            .trim_end_matches('.')
                            .to_string()
                    } else {
                        mantissa
                    };
                    s = format!("{mantissa}{exponent}");
                }
                s
            }
        }
    };
    let body = if upper {
        body.to_ascii_uppercase()
    } else {
        body
    };
    format!("{sign}{body}")
}

/// `%.Ne` with C's exponent form (`1.500000e+02`).
fn c_exp(a: f64, precision: usize) -> String {
    let s = format!("{a:.precision$e}");
    match s.split_once('e') {
        Some((m, e)) => {
            let e: i32 = e.parse().unwrap_or(0);
            let sign = if e < 0 { '-' } else { '+' };
            format!("{m}e{sign}{:02}", e.abs())
        }
        None => s,
    }
}

/// C `strtoimax(s, &end, 0)`: optional blanks and sign, 0x hex, leading-0 octal.
/// Returns the value parsed (if any digits) and whether the whole string was used.
fn parse_c_integer(s: &str) -> (Option<i128>, bool) {
    let t = s.trim_start();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (radix, digits) = if let Some(r) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, r)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    let end = digits
        .char_indices()
        .find(|(_, c)| !c.is_digit(radix))
        .map_or(digits.len(), |(i, _)| i);
    if end == 0 {
        return if radix == 8 {
            (Some(0), digits.is_empty())
        } else {
            (None, false)
        };
    }
    let mut v: i128 = 0;
    for c in digits[..end].chars() {
        v = v
            .saturating_mul(i128::from(radix))
            .saturating_add(i128::from(c.to_digit(radix).unwrap_or(0)));
    }
    v = v.min(i128::from(i64::MAX));
    (Some(if neg { -v } else { v }), end == digits.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> (String, String, i32) {
        let q = Quoter { curly: true };
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (o, e, c) = printf(Flavor::Gnu, "printf", &args, &q);
        (
            String::from_utf8_lossy(&o).into(),
            String::from_utf8_lossy(&e).into(),
            c,
        )
    }

    #[test]
    fn echo_flags_and_escapes() {
        let v = |a: &[&str]| {
            String::from_utf8(echo(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())).unwrap()
        };
        assert_eq!(v(&["hello", "world"]), "hello world\n");
        assert_eq!(v(&["-n", "x"]), "x");
        assert_eq!(v(&["-e", "a\\tb\\n"]), "a\tb\n\n");
        assert_eq!(v(&["-e", "a\\cb"]), "a");
        assert_eq!(v(&["-x", "a"]), "-x a\n");
        assert_eq!(v(&["a\\n"]), "a\\n\n");
    }

    #[test]
    fn printf_conversions() {
        assert_eq!(p(&["%s-%d\\n", "a", "1", "b", "2"]).0, "a-1\nb-2\n");
        assert_eq!(
            p(&["%5.2f|%-4s|%04d|%x|%#o", "3.14159", "ab", "7", "255", "8"]).0,
            " 3.14|ab  |0007|ff|010"
        );
        assert_eq!(
            p(&["%e %g %g", "1500", "0.0001", "123456789"]).0,
            "1.500000e+03 0.0001 1.23457e+08"
        );
        assert_eq!(p(&["%b", "a\\tb\\c", "zzz"]).0, "a\tb");
        assert_eq!(p(&["%c%c", "xyz", "q"]).0, "xq");
        let (o, e, c) = p(&["%d", "abc"]);
        assert_eq!((o.as_str(), c), ("0", 1));
        assert_eq!(e, "printf: \u{2018}abc\u{2019}: expected a numeric value\n");
        assert_eq!(
            p(&[]).1,
            "printf: missing operand\nTry 'printf --help' for more information.\n"
        );
    }

    #[test]
    fn sleep_operands() {
        assert_eq!(sleep_operand("1"), Some(1.0));
        assert_eq!(sleep_operand("0.5"), Some(0.5));
        assert_eq!(sleep_operand("2m"), Some(120.0));
        assert_eq!(sleep_operand("infinity"), Some(f64::INFINITY));
        assert_eq!(sleep_operand("inf"), Some(f64::INFINITY));
        assert_eq!(sleep_operand("abc"), None);
        assert_eq!(sleep_operand("-1"), None);
        assert_eq!(sleep_operand("s"), None);
    }
}
