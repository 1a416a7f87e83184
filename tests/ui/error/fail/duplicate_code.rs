#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(code = NotFound, code = Internal)]
    Missing,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
