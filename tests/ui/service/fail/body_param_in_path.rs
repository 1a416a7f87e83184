#[kit::service]
trait Orders {
    #[kit(http(put = "/orders/{id}", body = "id"))]
    async fn touch(&self, id: String) -> Result<(), kit::Error>;
}

fn main() {}
