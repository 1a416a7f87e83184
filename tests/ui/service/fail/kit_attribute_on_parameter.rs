#[kit::service]
trait Login {
    async fn login(&self, #[kit(secret)] password: String) -> Result<(), kit::Error>;
}

fn main() {}
