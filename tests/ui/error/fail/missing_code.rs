#[derive(Debug, kit::Error)]
enum Oops {
    Missing,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
