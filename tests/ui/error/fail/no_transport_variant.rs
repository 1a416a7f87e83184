#[derive(Debug, kit::Error)]
enum Oops {
    #[kit(code = NotFound)]
    Missing,
}

fn main() {}
