#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(code = NotFound, http = 404, http = 410)]
    Missing,
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
