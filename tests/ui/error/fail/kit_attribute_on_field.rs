#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(code = Internal)]
    Broken(#[kit(code = Internal)] String),
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
