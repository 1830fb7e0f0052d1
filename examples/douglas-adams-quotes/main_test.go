package main

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRootAnswersWithAQuote(t *testing.T) {
	srv := httptest.NewServer(handler())
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), "Douglas Adams") {
		t.Fatalf("GET / = %d %q", res.StatusCode, body)
	}
}

func TestHealthz(t *testing.T) {
	srv := httptest.NewServer(handler())
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("GET /healthz = %q", body)
	}
}
