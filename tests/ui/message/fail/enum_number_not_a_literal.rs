const BASE: isize = 0;

#[derive(Debug, kit::Message)]
enum Level {
    Low = BASE,
}

fn main() {}
