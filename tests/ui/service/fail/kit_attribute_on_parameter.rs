#[kit::service]
trait Login {
    async fn login(&self, #[kit(redact)] password: String) -> Result<(), kit::Error>;
}

fn main() {}
