#[derive(Debug, kit::Message)]
enum Level {
    Low = 1,
    High = 2,
}

fn main() {}
