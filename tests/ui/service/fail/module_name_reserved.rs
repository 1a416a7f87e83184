#[kit::service]
trait Super {
    async fn ping(&self) -> Result<(), kit::Error>;
}

fn main() {}
