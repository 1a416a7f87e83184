#[kit::service]
trait Calc {
    async unsafe fn add(&self, a: i64) -> Result<i64, kit::Error>;
}

fn main() {}
