#[derive(Debug, kit::Message)]
enum Level {
    #[kit(tag = 1)]
    Low,
}

fn main() {}
