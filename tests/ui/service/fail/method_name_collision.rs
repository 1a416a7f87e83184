#[kit::service]
trait Cake {
    async fn layer(&self, flavour: String) -> Result<(), kit::Error>;
}

fn main() {}
