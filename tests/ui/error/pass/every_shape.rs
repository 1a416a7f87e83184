//! Every error code is accepted, and every variant shape round-trips through
//! `kit::ServiceError`.

use kit::{Code, ServiceError};

#[derive(Debug, thiserror::Error, kit::Error)]
enum Everything {
    #[error("cancelled")] #[kit(code = Cancelled)] B,
    #[error("unknown")] #[kit(code = Unknown)] C,
    #[error("invalid")] #[kit(code = InvalidArgument)] D,
    #[error("deadline")] #[kit(code = DeadlineExceeded)] E,
    #[error("not found")] #[kit(code = NotFound)] F,
    #[error("exists")] #[kit(code = AlreadyExists)] G,
    #[error("denied")] #[kit(code = PermissionDenied)] H,
    #[error("exhausted")] #[kit(code = ResourceExhausted)] I,
    #[error("precondition")] #[kit(code = FailedPrecondition)] J,
    #[error("aborted")] #[kit(code = Aborted)] K,
    #[error("range")] #[kit(code = OutOfRange)] L,
    #[error("unimplemented")] #[kit(code = Unimplemented)] M,
    #[error("internal")] #[kit(code = Internal)] N,
    #[error("unavailable")] #[kit(code = Unavailable)] O,
    #[error("data loss")] #[kit(code = DataLoss)] P,
    #[error("unauthenticated")] #[kit(code = Unauthenticated)] Q,
    #[error("teapot {0}")] #[kit(code = FailedPrecondition, http = 418)] Teapot(u8),
    #[error("pair")] #[kit(code = Aborted)] Pair(i64, String),
    #[error("named {message}")] #[kit(code = Internal)] Named { message: String, error: u32 },
    #[error(transparent)] #[kit(transport)] Transport(kit::Error),
}

fn main() {
    let unit_variants = [
        Everything::B, Everything::C, Everything::D, Everything::E,
        Everything::F, Everything::G, Everything::H, Everything::I, Everything::J,
        Everything::K, Everything::L, Everything::M, Everything::N, Everything::O,
        Everything::P, Everything::Q,
    ];
    for (variant, code) in unit_variants.into_iter().zip(&Code::ALL[1..]) {
        let code = *code;
        let error = variant.into_error();
        assert_eq!(error.code(), code);
        assert_eq!(error.http_status(), code.http_status());
    }
    for variant in [
        Everything::Teapot(7),
        Everything::Pair(-1, "two".into()),
        Everything::Named { message: "m".into(), error: 3 },
    ] {
        let text = variant.to_string();
        let error = kit::Error::from(variant);
        assert_eq!(error.message(), text);
        let back = Everything::from_error(error);
        assert!(!matches!(back, Everything::Transport(_)), "{back:?}");
        assert_eq!(back.to_string(), text);
    }
    assert_eq!(Everything::Teapot(1).into_error().http_status(), 418);
    // A downstream service's variant does not leave through the transport
    // variant as if it were one of ours.
    let downstream = kit::Error::not_found("gone").with_variant("F", None);
    let forwarded = Everything::Transport(downstream).into_error();
    assert_eq!((forwarded.code(), forwarded.variant()), (Code::NotFound, None));
    let plain = kit::Error::not_found("gone");
    assert!(matches!(Everything::from(plain), Everything::Transport(error) if error.message() == "gone"));
}
