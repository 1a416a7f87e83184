#[derive(Debug, kit::Message)]
enum Level {
    High = 1,
    Low = 0,
}

fn main() {}
