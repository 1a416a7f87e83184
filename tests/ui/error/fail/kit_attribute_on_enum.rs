#[derive(Debug, kit::Error)]
#[kit(code = Internal)]
enum Oops {
    #[kit(code = Internal)]
    Broken,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
