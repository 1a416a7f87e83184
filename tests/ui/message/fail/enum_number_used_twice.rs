#[derive(Debug, kit::Message)]
enum Level {
    Low = 0,
    Lowest = 0,
}

fn main() {}
