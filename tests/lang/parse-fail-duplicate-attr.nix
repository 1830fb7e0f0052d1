{
  service.port = 22;
  service.port = 23;
}
