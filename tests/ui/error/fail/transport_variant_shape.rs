#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(transport)]
    Transport { error: kit::Error },
}

fn main() {}
