#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(code = NotFound, http = 200)]
    Missing,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
