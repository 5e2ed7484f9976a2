from grades.urls import assessments, gradebook, records, term_grades

urlpatterns = [
    *gradebook.urlpatterns,
    *assessments.urlpatterns,
    *term_grades.urlpatterns,
    *records.urlpatterns,
]
