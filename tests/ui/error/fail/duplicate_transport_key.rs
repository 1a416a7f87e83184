#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(transport, transport)]
    Transport(kit::Error),
}

fn main() {}
