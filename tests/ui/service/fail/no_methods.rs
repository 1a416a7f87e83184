#[kit::service]
trait Calc {}

fn main() {}
