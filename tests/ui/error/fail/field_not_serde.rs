pub struct Opaque;

impl std::fmt::Debug for Opaque {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Opaque")
    }
}

#[derive(Debug, thiserror::Error, kit::Error)]
enum Oops {
    #[error("bad")]
    #[kit(code = Internal)]
    Bad(Opaque),
    #[error(transparent)]
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
