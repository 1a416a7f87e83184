#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(code = Ok)]
    Fine,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
