// Catch2 with a QApplication (widgets need one); QT_QPA_PLATFORM=offscreen comes from CTest.
#define CATCH_CONFIG_RUNNER
#include <QApplication>
#include <catch2/catch.hpp>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  return Catch::Session().run(argc, argv);
}
