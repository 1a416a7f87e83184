#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(code = Missing)]
    Missing,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
