#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(transport, code = Unavailable)]
    Transport(kit::Error),
}

fn main() {}
