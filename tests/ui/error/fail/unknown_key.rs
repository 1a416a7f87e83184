#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(status = 404)]
    Missing,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
