#[derive(Debug, kit::Error)]
enum Oops<T> {
    #[kit(code = Internal)]
    Bad(T),
    #[kit(transport)]
    Transport(kit::Error),
}

fn main() {}
