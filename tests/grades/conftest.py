from tests import factories


def add_students(classroom, count):
    students = []
    for _ in range(count):
        enrollment = factories.EnrollmentFactory(classroom=classroom)
        students.append(enrollment.student)
    return students
