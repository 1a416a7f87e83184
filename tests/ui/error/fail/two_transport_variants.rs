#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(transport)]
    Transport(kit::Error),
    #[kit(transport)]
    Network(kit::Error),
}

fn main() {}
