//! curl's exit codes (libcurl `CURLcode`) and their texts.

use super::CurlFlavor;

/// The `CURLcode` values the emulation can produce; the discriminant is the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum CurlCode {
    Ok = 0,
    UnsupportedProtocol = 1,
    FailedInit = 2,
    UrlMalformat = 3,
    CouldntResolveHost = 6,
    CouldntConnect = 7,
    HttpReturnedError = 22,
    WriteError = 23,
    ReadError = 26,
    OperationTimedout = 28,
    TooManyRedirects = 47,
    GotNothing = 52,
    RecvError = 56,
}

impl CurlCode {
    /// The process exit code.
    pub(crate) fn code(self) -> i32 {
        self as i32
    }

    /// `curl_easy_strerror()` (lib/strerror.c). curl 8.x spells out "Could not" where
    /// 7.x wrote "Couldn't".
    pub(crate) fn strerror(self, flavor: CurlFlavor) -> &'static str {
        let old = flavor == CurlFlavor::DebianBookworm;
        match self {
            CurlCode::Ok => "No error",
            CurlCode::UnsupportedProtocol => "Unsupported protocol",
            CurlCode::FailedInit => "Failed initialization",
            CurlCode::UrlMalformat => "URL using bad/illegal format or missing URL",
            CurlCode::CouldntResolveHost if old => "Couldn't resolve host name",
            CurlCode::CouldntResolveHost => "Could not resolve hostname",
            CurlCode::CouldntConnect if old => "Couldn't connect to server",
            CurlCode::CouldntConnect => "Could not connect to server",
            CurlCode::HttpReturnedError => "HTTP response code said error",
            CurlCode::WriteError => "Failed writing received data to disk/application",
            CurlCode::ReadError => "Failed to open/read local data from file/application",
            CurlCode::OperationTimedout => "Timeout was reached",
            CurlCode::TooManyRedirects => "Number of redirects hit maximum amount",
            CurlCode::GotNothing => "Server returned nothing (no headers, no data)",
            CurlCode::RecvError => "Failure when receiving data from the peer",
        }
    }

    /// Errors after which curl runs no further transfer (src/tool_operate.c is_fatal_error).
    pub(crate) fn is_fatal(self) -> bool {
        matches!(self, CurlCode::FailedInit)
    }
}
