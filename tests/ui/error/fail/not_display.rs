#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(code = NotFound)]
    Missing,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
