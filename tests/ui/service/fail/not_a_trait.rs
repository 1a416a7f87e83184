#[kit::service]
struct Calc;

fn main() {}
