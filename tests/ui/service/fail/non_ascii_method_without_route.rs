#[kit::service]
trait Cafe {
    async fn café(&self) -> Result<(), kit::Error>;
}

fn main() {}
